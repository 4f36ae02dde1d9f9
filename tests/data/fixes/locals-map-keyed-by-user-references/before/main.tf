resource "aws_iam_user" "ann" {
  name = "ann"
}

resource "aws_iam_user" "bob" {
  name = "bob"
}

locals {
  m = {
    (aws_iam_user.ann.name) = "r1"
    (aws_iam_user.bob.name) = "r2"
  }
}

resource "aws_iam_user_policy" "dev" {
  for_each = local.m
  name     = "${each.key}-dev"
  user     = each.key
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:ListBucket", Resource = "*" }]
  })
}
