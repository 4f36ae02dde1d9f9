module "dev_ann" {
  source = "../../modules/person"
  name   = "ann-dev"
}
