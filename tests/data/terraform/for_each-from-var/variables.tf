variable "interns" {
  type = set(string)
  default = [
    "ivy",
    "jon",
  ]
}

variable "contractors" {
  type = map(object({
    company = string
    expires = optional(string)
  }))
  default = {}
}

variable "untyped" {
  default = ["x", "y"]
}
