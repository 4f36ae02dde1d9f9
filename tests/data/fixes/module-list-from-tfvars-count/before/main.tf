module "admins" {
  source     = "./modules/admin"
  user_names = var.admins
}
