module "alice" {
  source = "./modules/user"
  name   = "alice"
}

module "bob" {
  source = "./modules/user"
  name   = "bob"
  path   = "/contractors/"
}
