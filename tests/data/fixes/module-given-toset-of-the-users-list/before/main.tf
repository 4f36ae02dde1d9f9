locals {
  ops = ["ann", "bob"]
}

resource "aws_iam_user" "ops" {
  for_each = toset(local.ops)
  name     = each.value
}

module "ops_policies" {
  source = "./modules/ops"
  users  = toset(local.ops)
}
