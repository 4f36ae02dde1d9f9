variable "interns" {
  type = set(string)
  default = [
    "ivy",
    "jon",
    "kim",
  ]
}
