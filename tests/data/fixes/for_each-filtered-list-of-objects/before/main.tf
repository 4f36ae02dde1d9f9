locals {
  users = [
    { username = "lena", console = true },
    { username = "milo", console = false },
    { username = "nora", console = true },
  ]
}

resource "aws_iam_user" "users" {
  for_each = { for u in local.users : u.username => u }
  name     = each.key
}

resource "aws_iam_user_login_profile" "console" {
  for_each = { for person in local.users : person.username => person if person.console }
  user     = aws_iam_user.users[each.key].name
}
