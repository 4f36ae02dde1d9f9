resource "aws_iam_user" "ann" {
  name = "ann"
}
resource "aws_iam_user" "bob" {
  name = "bob"
}
resource "aws_iam_user" "cleo" {
  name = "cleo"
}
locals {
  teams = {
    web = { members = [aws_iam_user.ann.name, aws_iam_user.bob.name] }
    ops = { members = [aws_iam_user.bob.name] }
  }
}
resource "aws_iam_group" "g" {
  for_each = local.teams
  name     = each.key
}
resource "aws_iam_group_membership" "m" {
  for_each = local.teams
  name     = each.key
  group    = aws_iam_group.g[each.key].name
  users    = each.value.members
}
