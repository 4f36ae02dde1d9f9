variable "user_names" {
  type = list(string)
}

resource "aws_iam_user" "this" {
  for_each = toset(var.user_names)
  name     = each.key
}

resource "aws_iam_user_login_profile" "this" {
  for_each = aws_iam_user.this
  user     = each.value.name
}
