locals {
  users = {
    ann = { policies = ["ro"], console = true }
    eli = { policies = ["ro", "pw"], console = true }
    fay = { policies = ["pw"], console = true }
  }
}

resource "aws_iam_user" "this" {
  for_each      = local.users
  name          = each.key
  force_destroy = true
}

locals {
  console_users = { for name, cfg in local.users : name => cfg if cfg.console }
}

resource "aws_iam_user_login_profile" "this" {
  for_each = local.console_users
  user     = aws_iam_user.this[each.key].name
}
