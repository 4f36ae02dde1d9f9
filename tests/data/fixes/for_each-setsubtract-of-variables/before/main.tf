variable "all" {
  default = ["ann", "bob", "cid", "dan"]
}
variable "disabled" {
  default = ["dan"]
}
resource "aws_iam_user" "u" {
  for_each = setsubtract(toset(var.all), toset(var.disabled))
  name     = each.key
}
