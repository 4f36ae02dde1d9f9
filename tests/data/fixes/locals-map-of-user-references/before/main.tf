resource "aws_iam_user" "ann" {
  name = "ann"
}

resource "aws_iam_user" "bob" {
  name = "bob"
}

locals {
  on_call = {
    primary   = aws_iam_user.ann.name
    secondary = aws_iam_user.bob.name
  }
}

resource "aws_iam_user_policy_attachment" "on_call" {
  for_each   = local.on_call
  user       = each.value
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}
