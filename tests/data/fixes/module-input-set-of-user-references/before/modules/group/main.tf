variable "name" {
  type = string
}

variable "members" {
  type = set(string)
}

resource "aws_iam_group" "this" {
  name = var.name
}

resource "aws_iam_user_group_membership" "member" {
  for_each = var.members
  user     = each.value
  groups   = [aws_iam_group.this.name]
}
