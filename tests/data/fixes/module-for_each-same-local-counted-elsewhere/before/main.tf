locals {
  people = toset(["ann", "bob", "eve"])
}
resource "aws_iam_user" "u" {
  for_each = local.people
  name     = each.key
}

module "per_user" {
  source   = "./modules/keys"
  for_each = local.people
  user     = aws_iam_user.u[each.key].name
}

resource "aws_ssm_parameter" "count" {
  name  = "/people/count"
  type  = "String"
  value = tostring(length(module.per_user))
}
