resource "aws_iam_user" "ann" {
  name = "ann"
}
resource "aws_iam_user" "bob" {
  name = "bob"
}
resource "aws_iam_user" "cleo" {
  name = "cleo"
}
resource "aws_iam_group" "g" {
  name = "g"
}
locals {
  users = [
    { name = aws_iam_user.ann.name, groups = [aws_iam_group.g.name] },
    { name = aws_iam_user.bob.name, groups = [aws_iam_group.g.name] },
  ]
}
resource "aws_iam_user_group_membership" "m" {
  for_each = { for u in local.users : u.name => u }
  user     = each.key
  groups   = each.value.groups
}
