resource "aws_iam_user" "alice" {
  name = "alice"
}

# Bob left.
resource "aws_iam_user" "bob" {
  name = "bob"
}

resource "aws_iam_user" "carol" {
  name = "carol"
}

resource "aws_iam_group_membership" "devs" {
  name  = "devs"
  group = "devs"
  users = [
    aws_iam_user.alice.name,
    aws_iam_user.bob.name,
    aws_iam_user.carol.name
  ]
}
