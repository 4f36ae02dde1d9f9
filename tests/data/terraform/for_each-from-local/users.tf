resource "aws_iam_user" "member" {
  for_each = local.members
  name     = "${each.value.team}-${each.key}"
}

resource "aws_iam_user" "bot" {
  for_each = local.bots
  name     = each.value
}
