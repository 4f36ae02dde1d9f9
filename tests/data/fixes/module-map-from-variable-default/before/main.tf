variable "developers" {
  type = map(object({ policy = string }))
  default = {
    hana = { policy = "ReadOnlyAccess" }
    ivan = { policy = "PowerUserAccess" }
  }
}

module "developers" {
  source = "./modules/team"
  people = var.developers
}

output "developer_names" {
  value = module.developers.names
}
