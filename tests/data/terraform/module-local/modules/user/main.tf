variable "name" {
  type = string
}

variable "path" {
  default = "/"
}

resource "aws_iam_user" "this" {
  name = var.name
  path = var.path
}

resource "aws_iam_user_login_profile" "this" {
  user = aws_iam_user.this.name
}
