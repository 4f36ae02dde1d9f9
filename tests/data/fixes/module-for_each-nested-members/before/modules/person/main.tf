variable "name" { type = string }
variable "group" { type = string }

resource "aws_iam_user" "this" {
  name = var.name
}

resource "aws_iam_user_group_membership" "this" {
  user   = aws_iam_user.this.name
  groups = [var.group]
}
