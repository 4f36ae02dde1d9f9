module "ann" {
  source = "../../modules/person"
  name   = "ann"
}
