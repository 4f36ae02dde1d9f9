variable "name" {
  type = string
}

resource "aws_iam_user" "svc" {
  name = var.name
}
