resource "aws_iam_user" "ann" {
  name = "ann"
}

resource "aws_iam_user" "bob" {
  name = "bob"
}

module "developers" {
  source  = "./modules/group"
  name    = "developers"
  members = toset([aws_iam_user.ann.name, aws_iam_user.bob.name])
}
