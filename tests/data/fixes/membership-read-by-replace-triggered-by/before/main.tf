resource "aws_iam_user" "ann" {
  name = "ann"
}

resource "aws_iam_user" "eli" {
  name = "eli"
}

resource "aws_iam_group" "g" {
  name = "admins"
}

resource "aws_iam_group_membership" "g" {
  name  = "admins-members"
  group = aws_iam_group.g.name
  users = [aws_iam_user.ann.name, aws_iam_user.eli.name]
}

resource "aws_iam_policy" "team" {
  name   = "team-admins"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:ListAllMyBuckets", Resource = "*" }] })
  lifecycle {
    replace_triggered_by = [aws_iam_group_membership.g]
  }
}
