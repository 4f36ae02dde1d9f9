module "team" {
  source = "./modules/team"
}
