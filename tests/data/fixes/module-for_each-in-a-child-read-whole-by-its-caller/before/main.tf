module "wrap" {
  source = "./modules/wrap"
  count  = 1
}

resource "aws_ssm_parameter" "p" {
  for_each = module.wrap[0].all
  name     = "/p/${each.key}"
  type     = "String"
  value    = each.value.policy_name
}
