variable "developers" {
  type    = set(string)
  default = ["ann", "eli"]
}

resource "aws_iam_user" "dev" {
  for_each = var.developers
  name     = each.key
}

resource "aws_iam_user_policy_attachment" "dev" {
  for_each   = var.developers
  user       = aws_iam_user.dev[each.key].name
  policy_arn = "arn:aws:iam::aws:policy/PowerUserAccess"
}

resource "aws_iam_access_key" "dev" {
  for_each = aws_iam_user.dev
  user     = each.value.name
}

resource "aws_iam_user_login_profile" "eli" {
  user = aws_iam_user.dev["eli"].name
}

output "secrets" {
  value     = { for name, key in aws_iam_access_key.dev : name => key.secret }
  sensitive = true
}
