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
  # Bob is the only member of ops: the group stays, empty, with its policy.
  teams = {
    web  = [aws_iam_user.ann.name, aws_iam_user.bob.name]
    ops  = [aws_iam_user.bob.name]
    data = [aws_iam_user.cleo.name]
  }
}

resource "aws_iam_group" "team" {
  for_each = local.teams
  name     = each.key
}

resource "aws_iam_group_policy_attachment" "read_only" {
  for_each   = local.teams
  group      = aws_iam_group.team[each.key].name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_iam_group_membership" "team" {
  for_each = local.teams
  name     = "${each.key}-members"
  group    = aws_iam_group.team[each.key].name
  users    = each.value
}
