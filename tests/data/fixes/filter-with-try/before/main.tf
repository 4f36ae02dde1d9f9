locals {
  humans = {
    gus = { change_password = true }
    hal = {}
    ida = { change_password = true }
  }
}

resource "aws_iam_user" "h" {
  for_each = local.humans
  name     = each.key
}

resource "aws_iam_user_login_profile" "h" {
  for_each = { for n, h in local.humans : n => h if try(h.change_password, false) }
  user     = aws_iam_user.h[each.key].name
}
