resource "aws_iam_user" "u" {
  for_each = toset(["ann", "bob", "eve"])
  name     = each.key
}

module "per_user" {
  source   = "./modules/keys"
  for_each = aws_iam_user.u
  user     = each.value.name
}

module "service" {
  source   = "./modules/service"
  for_each = module.per_user
  owner    = each.key
}
