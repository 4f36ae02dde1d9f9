resource "aws_iam_user" "ann" {
  name = "ann"
}

resource "aws_iam_user" "bob" {
  name = "bob"
}

locals {
  deployers = [aws_iam_user.bob.name]
}

# One deploy key per deployer.
module "deploy_key" {
  source   = "./modules/deploy-key"
  for_each = toset(local.deployers)
  user     = each.value
}

resource "aws_iam_group_membership" "deployers" {
  name  = "deployers"
  group = "deployers"
  users = concat([aws_iam_user.ann.name], local.deployers)
}
