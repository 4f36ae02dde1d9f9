locals {
  ops_users = ["dmitri", "erin"]
}

module "ops" {
  source     = "./modules/user"
  user_names = local.ops_users
}
