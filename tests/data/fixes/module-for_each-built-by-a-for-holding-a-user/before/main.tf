resource "aws_iam_user" "u" {
  for_each = toset(["ann", "bob", "eve"])
  name     = each.key
}

# Each person's service user lives in a module instance keyed by the person.
module "service" {
  source   = "./modules/service"
  for_each = { for k, u in aws_iam_user.u : k => u.name }
  owner    = each.value
}
