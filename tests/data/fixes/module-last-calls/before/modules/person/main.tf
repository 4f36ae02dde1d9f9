variable "name" {
  type = string
}

variable "groups" {
  type    = list(string)
  default = []
}

resource "aws_iam_user" "this" {
  name = var.name
}

resource "aws_iam_user_group_membership" "this" {
  count  = length(var.groups) > 0 ? 1 : 0
  user   = aws_iam_user.this.name
  groups = var.groups
}

resource "aws_iam_access_key" "this" {
  user = aws_iam_user.this.name
}

output "arn" {
  value = aws_iam_user.this.arn
}

output "access_key_id" {
  value = aws_iam_access_key.this.id
}
