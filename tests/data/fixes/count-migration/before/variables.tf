variable "interns" {
  type = list(string)
  default = [
    "pia",
    "quin",
    "ray",
  ]
}
