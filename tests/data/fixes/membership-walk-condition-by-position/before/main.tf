locals {
  humans = ["ann", "fay"]
  bots   = ["bot-ci", "bot-deploy", "bot-x"]
  all    = concat(local.humans, local.bots)
}

resource "aws_iam_user" "u" {
  for_each = toset(local.all)
  name     = each.value
}

resource "aws_iam_group" "bots" {
  name = "bots"
}

# the first bot is the primary one and is managed separately
resource "aws_iam_group_membership" "bots" {
  name  = "bots"
  group = aws_iam_group.bots.name
  users = [for i, b in local.bots : aws_iam_user.u[b].name if i > 0]
}
