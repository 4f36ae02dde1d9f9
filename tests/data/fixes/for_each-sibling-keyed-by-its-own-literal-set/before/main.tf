resource "aws_iam_user" "u" {
  for_each = toset(["alice", "bob"])
  name     = each.key
}

resource "aws_iam_access_key" "k" {
  for_each = toset(["alice", "bob"])
  user     = aws_iam_user.u[each.key].name
}
