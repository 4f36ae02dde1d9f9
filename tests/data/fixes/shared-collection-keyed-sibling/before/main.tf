variable "users" {
  type = set(string)
}

resource "aws_iam_user" "u" {
  for_each = var.users
  name     = each.key
}

resource "aws_iam_access_key" "k" {
  for_each = var.users
  user     = aws_iam_user.u[each.key].name
}
