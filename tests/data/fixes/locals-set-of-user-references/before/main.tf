resource "aws_iam_user" "ann" {
  name = "ann"
}

resource "aws_iam_user" "bob" {
  name = "bob"
}

locals {
  developers = toset([aws_iam_user.ann.name, aws_iam_user.bob.name])
}

resource "aws_iam_user_policy" "developer" {
  for_each = local.developers
  name     = "${each.key}-developer"
  user     = each.key
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "codecommit:GitPull", Resource = "*" }]
  })
}
