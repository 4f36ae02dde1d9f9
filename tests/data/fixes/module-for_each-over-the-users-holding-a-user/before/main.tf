resource "aws_iam_user" "u" {
  for_each = toset(["ann", "bob", "eve"])
  name     = each.key
}

# Each person's service user lives in a module instance keyed by the person.
module "service" {
  source   = "./modules/service"
  for_each = aws_iam_user.u
  owner    = each.value.name
}
