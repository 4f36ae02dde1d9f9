resource "aws_iam_user" "ann" {
  name = "ann"
}

resource "aws_iam_user" "bob" {
  name = "bob"
}

locals {
  devs = [aws_iam_user.ann.name, aws_iam_user.bob.name]
}

module "team" {
  source  = "./modules/team"
  members = local.devs
}
