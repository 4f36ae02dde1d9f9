variable "users" {
  type = set(string)
}
variable "memberships" {
  type = map(list(string))
}
resource "aws_iam_user" "u" {
  for_each = var.users
  name     = each.key
}
resource "aws_iam_group" "g" {
  for_each = toset(["dev", "ops"])
  name     = each.key
}
resource "aws_iam_user_group_membership" "m" {
  for_each = var.memberships
  user     = aws_iam_user.u[each.key].name
  groups   = [for g in each.value : aws_iam_group.g[g].name]
}
