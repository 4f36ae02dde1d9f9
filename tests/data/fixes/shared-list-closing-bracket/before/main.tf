resource "aws_iam_user" "a" {
  name = "a"
}

resource "aws_iam_user" "b" {
  name = "b"
}

resource "aws_iam_user" "c" {
  name = "c"
}

resource "aws_iam_group_membership" "g" {
  name  = "g"
  group = "g"
  users = [
    aws_iam_user.a.name,
  aws_iam_user.b.name]
}

resource "aws_iam_group_membership" "h" {
  name  = "h"
  group = "h"
  users = [aws_iam_user.a.name,
  aws_iam_user.c.name]
}
