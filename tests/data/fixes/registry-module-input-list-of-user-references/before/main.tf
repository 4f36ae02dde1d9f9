resource "aws_iam_user" "ann" {
  name = "ann"
}

resource "aws_iam_user" "bob" {
  name = "bob"
}

module "developers" {
  source  = "terraform-aws-modules/iam/aws//modules/iam-group-with-policies"
  version = "5.55.0"

  name        = "developers"
  group_users = [aws_iam_user.ann.name, aws_iam_user.bob.name]
}
