variable "contractors" {
  type = map(object({
    company = string
  }))
  default = {}
}
