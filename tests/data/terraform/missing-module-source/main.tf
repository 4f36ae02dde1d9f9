resource "aws_iam_user" "kept" {
  name = "kept"
}

module "gone" {
  source = "./modules/gone"
  name   = "ghost"
}
