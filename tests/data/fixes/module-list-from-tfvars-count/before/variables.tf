variable "admins" {
  type = list(string)
}
