locals {
  users = toset(["ann", "eli", "fay"])
  group_members = {
    admins = ["eli", "ann"]
    devs   = ["eli", "fay"]
  }
}

resource "aws_iam_user" "u" {
  for_each = local.users
  name     = each.key
}

resource "aws_iam_group_membership" "g" {
  for_each = local.group_members
  name     = "${each.key}-members"
  group    = aws_iam_group.g[each.key].name
  users    = [for u in each.value : aws_iam_user.u[u].name]
}

resource "aws_iam_group" "g" {
  for_each = local.group_members
  name     = each.key

  lifecycle {
    precondition {
      condition     = length(local.group_members[each.key]) >= 2
      error_message = "A group needs at least two members (four eyes)."
    }
  }
}