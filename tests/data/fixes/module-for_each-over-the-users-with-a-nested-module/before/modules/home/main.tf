variable "user" {
  type = string
}

resource "aws_ssm_parameter" "home" {
  name  = "/home/${var.user}"
  type  = "String"
  value = "s3://homes/${var.user}/"
}
