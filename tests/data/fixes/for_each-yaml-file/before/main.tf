locals {
  users = toset(yamldecode(file("${path.module}/users.yaml")).users)
}

resource "aws_iam_user" "team" {
  for_each = local.users
  name     = each.key
}

resource "aws_iam_user_policy_attachment" "team" {
  for_each   = aws_iam_user.team
  user       = each.value.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}
