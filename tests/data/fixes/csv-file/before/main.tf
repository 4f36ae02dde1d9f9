locals {
  rows = { for row in csvdecode(file("${path.module}/users.csv")) : row.name => row }
}

resource "aws_iam_user" "u" {
  for_each = local.rows
  name     = each.key
  tags     = { team = each.value.team }
}

resource "aws_iam_user_login_profile" "u" {
  for_each = { for n, row in local.rows : n => row if row.console == "yes" }
  user     = aws_iam_user.u[each.key].name
}
