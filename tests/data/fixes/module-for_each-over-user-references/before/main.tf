resource "aws_iam_user" "ann" {
  name = "ann"
}

resource "aws_iam_user" "bob" {
  name = "bob"
}

module "deploy_key" {
  source   = "./modules/deploy-key"
  for_each = toset([aws_iam_user.ann.name, aws_iam_user.bob.name])
  user     = each.key
}
