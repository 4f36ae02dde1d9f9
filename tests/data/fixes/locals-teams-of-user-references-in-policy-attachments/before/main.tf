resource "aws_iam_user" "ann" {
  name = "ann"
}
resource "aws_iam_user" "bob" {
  name = "bob"
}
resource "aws_iam_user" "cleo" {
  name = "cleo"
}
resource "aws_iam_policy" "p" {
  for_each = local.teams
  name   = each.key
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:ListBucket", Resource = "*" }] })
}
locals {
  teams = {
    web = [aws_iam_user.ann.name, aws_iam_user.bob.name]
    ops = [aws_iam_user.bob.name]
  }
}
resource "aws_iam_policy_attachment" "team" {
  for_each   = local.teams
  name       = each.key
  users      = each.value
  policy_arn = aws_iam_policy.p[each.key].arn
}
