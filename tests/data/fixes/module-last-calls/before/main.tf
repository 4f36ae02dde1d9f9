module "alice" {
  source = "./modules/person"
  name   = "alice"
}

module "bob" {
  source = "./modules/person"
  name   = "bob"
}

resource "aws_iam_user" "carol" {
  name = "carol"
}
