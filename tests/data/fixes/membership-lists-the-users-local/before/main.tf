locals {
  devs = ["ann", "bob", "cid"]
}
resource "aws_iam_user" "dev" {
  for_each = toset(local.devs)
  name     = each.key
}
resource "aws_iam_group" "devs" {
  name = "devs"
}
resource "aws_iam_group_membership" "devs" {
  name       = "devs"
  group      = aws_iam_group.devs.name
  users      = local.devs
  depends_on = [aws_iam_user.dev]
}
