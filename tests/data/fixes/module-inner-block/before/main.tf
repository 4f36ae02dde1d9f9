module "search" {
  source = "./modules/service"
  name   = "search"
}
