resource "aws_iam_user" "a" {
  name = "in-a"
}

module "b" {
  source = "../b"
}
