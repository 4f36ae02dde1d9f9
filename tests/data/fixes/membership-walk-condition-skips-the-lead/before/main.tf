locals {
  users = toset(["ann", "eli", "fay"])
  group_members = {
    admins = ["eli", "ann", "fay"]
    devs   = ["fay", "ann"]
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

# the first member of each list is the group's lead, who is not in the group itself
resource "aws_iam_group_membership" "g" {
  for_each = local.group_members
  name     = "${each.key}-members"
  group    = aws_iam_group.g[each.key].name
  users    = [for u in each.value : aws_iam_user.u[u].name if u != each.value[0]]
}
