module "user_ben" {
  source = "./modules/person"
  name   = "ben"
}

module "user_dee" {
  source = "./modules/person"
  name   = "dee"
}
