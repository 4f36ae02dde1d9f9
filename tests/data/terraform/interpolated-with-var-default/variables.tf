variable "env" {
  type    = string
  default = "prod"
}

variable "team" {
  default = "Data"
}
