resource "terraform_data" "c" {
  count = 1
  input = "nested"
}
