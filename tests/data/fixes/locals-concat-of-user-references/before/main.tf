resource "aws_iam_user" "ann" {
  name = "ann"
}

resource "aws_iam_user" "bob" {
  name = "bob"
}

resource "aws_iam_user" "cleo" {
  name = "cleo"
}

locals {
  admins     = [aws_iam_user.ann.name]
  developers = concat(local.admins, [aws_iam_user.bob.name, aws_iam_user.cleo.name])
}

resource "aws_iam_group_membership" "developers" {
  name  = "developers"
  group = "developers"
  users = local.developers
}
