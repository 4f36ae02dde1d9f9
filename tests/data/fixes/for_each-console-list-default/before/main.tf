variable "users" {
  type    = list(string)
  default = ["ann", "eli", "fay"]
}

variable "console_users" {
  type    = list(string)
  default = ["ann", "eli"]
}

resource "aws_iam_user" "u" {
  for_each = toset(var.users)
  name     = each.key
}

resource "aws_iam_user_login_profile" "u" {
  for_each = toset(var.console_users)
  user     = aws_iam_user.u[each.key].name
}
