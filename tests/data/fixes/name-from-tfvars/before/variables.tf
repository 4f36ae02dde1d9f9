variable "deploy_user" {
  type        = string
  description = "The CI user's name"
}

variable "team" {
  type = string
}
