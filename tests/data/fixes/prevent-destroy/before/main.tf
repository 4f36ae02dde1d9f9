resource "aws_iam_user" "u" {
  for_each = toset(["alice", "bob"])
  name     = each.key

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_iam_access_key" "k" {
  for_each = aws_iam_user.u
  user     = each.value.name

  lifecycle {
    prevent_destroy = true
  }
}
