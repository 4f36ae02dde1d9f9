variable "env" {}

locals {
  accounts = {
    deploy = "deployer"
    audit  = "auditor"
  }
}

module "account" {
  source   = "../account"
  for_each = local.accounts
  name     = "${var.env}-${each.value}"
}
