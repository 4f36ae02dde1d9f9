resource "aws_iam_user" "ann" {
  name = "ann"
}

resource "aws_iam_user" "bob" {
  name = "bob"
}

locals {
  developers = [aws_iam_user.ann.name, aws_iam_user.bob.name]
}

resource "aws_iam_user_policy" "developer" {
  for_each = toset(local.developers)
  name     = "${each.key}-developer"
  user     = each.key
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "codecommit:GitPull", Resource = "*" }]
  })
}

resource "aws_iam_group_membership" "developers" {
  name  = "developers"
  group = "developers"
  users = local.developers
}
