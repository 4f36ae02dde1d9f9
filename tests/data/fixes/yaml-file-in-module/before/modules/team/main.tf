locals {
  people = yamldecode(file("${path.module}/people.yaml")).people
}

resource "aws_iam_user" "person" {
  for_each = local.people
  name     = each.key
}

resource "aws_iam_user_group_membership" "person" {
  for_each = local.people
  user     = aws_iam_user.person[each.key].name
  groups   = each.value.groups
}

resource "aws_iam_group" "all" {
  for_each = toset(flatten([for p in local.people : p.groups]))
  name     = each.key
}
