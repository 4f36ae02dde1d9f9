variable "user" {
  type = string
}

resource "aws_iam_access_key" "this" {
  user = var.user
}
