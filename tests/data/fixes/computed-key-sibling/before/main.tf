resource "aws_iam_user" "u" {
  for_each = toset(["alice", "bob"])
  name     = each.key
}

resource "aws_iam_access_key" "k" {
  for_each = toset(["alice", "bob"])
  user     = aws_iam_user.u[each.key].name
}

resource "aws_iam_user_policy_attachment" "p" {
  count      = 2
  user       = aws_iam_user.u[count.index == 0 ? "alice" : "bob"].name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}
