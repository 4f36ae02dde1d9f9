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

resource "aws_iam_group_policy" "team" {
  for_each = local.group_members
  name     = "team"
  group    = aws_iam_group.g[each.key].name
  policy = templatefile("${path.module}/team.json.tftpl", {
    team = each.key
    lead = local.group_members[each.key][0]
  })
}
