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

# a role per group that the group's members may assume
data "aws_iam_policy_document" "trust" {
  for_each = local.group_members
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = [for u in each.value : "arn:aws:iam::123456789012:user/${u}"]
    }
  }
}

resource "aws_iam_role" "team" {
  for_each           = local.group_members
  name               = "${each.key}-team"
  assume_role_policy = data.aws_iam_policy_document.trust[each.key].json
}
