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
  teams = {
    web  = [aws_iam_user.ann.name, aws_iam_user.bob.name]
    data = [aws_iam_user.cleo.name]
  }
  everyone = distinct(flatten([
    [aws_iam_user.ann.name, aws_iam_user.bob.name],
    [aws_iam_user.cleo.name],
  ]))
}

resource "aws_iam_group_membership" "everyone" {
  name  = "everyone"
  group = "everyone"
  users = local.everyone
}
