resource "aws_iam_user" "u" {
  for_each = toset(["ann", "bob", "eve"])
  name     = each.key
}

module "per_user" {
  source   = "../keys"
  for_each = aws_iam_user.u
  user     = each.value.name
}
output "all" {
  value = module.per_user
}
