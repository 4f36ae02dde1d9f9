variable "env" {
  type = string
}

module "accounts" {
  source   = "../account"
  for_each = toset(["ci", "deploy"])
  name     = "${var.env}-${each.key}"
}

output "account_arns" {
  value = { for k, m in module.accounts : k => m.arn }
}
