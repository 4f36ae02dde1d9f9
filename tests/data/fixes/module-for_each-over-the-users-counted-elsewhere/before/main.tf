resource "aws_iam_user" "u" {
  for_each = toset(["ann", "bob", "eve"])
  name     = each.key
}

module "per_user" {
  source   = "./modules/keys"
  for_each = aws_iam_user.u
  user     = each.value.name
}

resource "aws_ssm_parameter" "p" {
  name  = "/p"
  type  = "String"
  value = tostring(length(module.per_user))
}
