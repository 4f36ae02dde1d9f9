locals {
  # Listed by team seniority, not by name.
  people = ["zed", "amy", "kim", "bob", "lee"]
}

resource "aws_iam_user" "p" {
  count = length(local.people)
  name  = local.people[count.index]
}

resource "aws_iam_user_login_profile" "p" {
  count = length(local.people)
  user  = aws_iam_user.p[count.index].name
}

output "arns" {
  value = aws_iam_user.p[*].arn
}

output "second" {
  value = aws_iam_user.p[1].name
}

resource "aws_iam_group_membership" "all" {
  name  = "all"
  group = "staff"
  users = aws_iam_user.p.*.name
}
