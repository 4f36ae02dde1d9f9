resource "aws_iam_user" "a" {
  name = "a"
}

resource "aws_iam_user" "b" {
  name = "b"
}

resource "aws_iam_user" "c" {
  name = "c"
}

resource "aws_iam_user" "d" {
  name = "d"
}

resource "aws_iam_group_membership" "g1" {
  name  = "g1"
  group = "g1"
  users = [aws_iam_user.a.name, aws_iam_user.b.name, aws_iam_user.c.name, aws_iam_user.d.name]
}

resource "aws_iam_group_membership" "g2" {
  name  = "g2"
  group = "g2"
  users = [
    aws_iam_user.a.name, /* first */
    # b next
    aws_iam_user.b.name,
    aws_iam_user.c.name, aws_iam_user.d.name
  ]
}

resource "aws_iam_group_membership" "g3" {
  name  = "g3"
  group = "g3"
  users = [aws_iam_user.b.name, aws_iam_user.c.name, ]
}

resource "aws_iam_policy_attachment" "pa" {
  name       = "pa"
  users      = [aws_iam_user.b.name, aws_iam_user.c.name]
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_iam_policy_attachment" "pb" {
  name       = "pb"
  users      = [aws_iam_user.a.name, aws_iam_user.c.name]
  policy_arn = "arn:aws:iam::aws:policy/IAMUserChangePassword"
}
