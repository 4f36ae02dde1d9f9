resource "aws_iam_user" "u" {
  for_each = toset(["ann", "bob", "eve"])
  name     = each.key
}

# One instance of the module per user, keyed by the user.
module "per_user" {
  source   = "./modules/keys"
  for_each = aws_iam_user.u
  user     = each.value.name
}

output "policies" {
  value = { for name, m in module.per_user : name => m.policy_name }
}
