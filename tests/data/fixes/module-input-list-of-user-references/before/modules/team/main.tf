variable "members" {
  type = list(string)
}

resource "aws_iam_group" "team" {
  name = "team"
}

resource "aws_iam_user_group_membership" "member" {
  for_each = toset(var.members)
  user     = each.key
  groups   = [aws_iam_group.team.name]
}
