resource "aws_iam_user" "ann" {
  name = "ann"
}

resource "aws_iam_user" "bob" {
  name = "bob"
}

module "team" {
  source  = "./modules/team"
  members = [aws_iam_user.ann.name, aws_iam_user.bob.name]
}
