resource "aws_iam_user" "ann" {
  name = "ann"
}

resource "aws_iam_user" "bob" {
  name = "bob"
}

resource "aws_iam_user_policy" "change_password" {
  for_each = toset([aws_iam_user.ann.name, aws_iam_user.bob.name])
  name     = "change-password"
  user     = each.value
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "iam:ChangePassword", Resource = "*" }]
  })
}
