resource "aws_iam_user" "alice" {
  name = "alice"
}

resource "aws_iam_user" "bob" {
  name = "bob"
}

# Written by hand before the users were managed here: they name alice, not her resource.
resource "aws_iam_user_policy_attachment" "alice_read_only" {
  user       = "alice"
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_iam_access_key" "alice" {
  user = "alice"
}

resource "aws_iam_group_membership" "devs" {
  name  = "devs"
  group = "devs"
  users = ["alice", aws_iam_user.bob.name]
}
