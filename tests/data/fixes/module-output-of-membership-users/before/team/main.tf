locals {
  users = toset(["ann", "eli", "fay"])
  group_members = {
    admins = ["ann", "eli"]
    devs   = ["eli", "fay"]
  }
}

resource "aws_iam_user" "u" {
  for_each = local.users
  name     = each.key
}

resource "aws_iam_group" "g" {
  for_each = local.group_members
  name     = each.key
}

resource "aws_iam_group_membership" "g" {
  for_each = local.group_members
  name     = "${each.key}-members"
  group    = aws_iam_group.g[each.key].name
  users    = [for u in each.value : aws_iam_user.u[u].name]
}

output "membership_users" {
  value = { for k, m in aws_iam_group_membership.g : k => m.users }
}
