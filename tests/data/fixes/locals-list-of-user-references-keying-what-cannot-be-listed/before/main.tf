resource "aws_iam_user" "ann" {
  name = "ann"
}

resource "aws_iam_user" "bob" {
  name = "bob"
}

locals {
  devs = [aws_iam_user.ann.name, aws_iam_user.bob.name]
}

resource "aws_ssm_parameter" "p" {
  for_each = toset(formatlist("u-%s", local.devs))
  name     = "/p/${each.key}"
  type     = "String"
  value    = "x"
}
