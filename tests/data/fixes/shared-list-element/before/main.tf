resource "aws_iam_user" "alice" {
  name = "alice"
}

resource "aws_iam_user" "bob" {
  name = "bob"
}

resource "aws_iam_user" "carol" {
  name = "carol"
}

resource "aws_iam_group_membership" "developers" {
  name  = "developers"
  group = "developers"
  users = [
    aws_iam_user.alice.name,
    # Bob moved to the data team.
    aws_iam_user.bob.name, # until 2024
    aws_iam_user.carol.name,
  ]
}

resource "aws_iam_group_membership" "oncall" {
  name  = "oncall"
  group = "oncall"
  users = [
    aws_iam_user.carol.name,
    aws_iam_user.bob.name
  ]
}

resource "aws_iam_policy_attachment" "readonly" {
  name       = "readonly"
  users      = [aws_iam_user.alice.name, aws_iam_user.bob.name, aws_iam_user.carol.name]
  roles      = ["auditor"]
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_iam_policy_attachment" "billing" {
  name       = "billing"
  users      = [aws_iam_user.bob.name, aws_iam_user.carol.name]
  policy_arn = "arn:aws:iam::aws:policy/job-function/Billing"
}

resource "aws_s3_bucket" "reports" {
  bucket     = "reports"
  depends_on = [aws_iam_user.alice, aws_iam_user.bob]
}

resource "aws_iam_group_membership" "bob_only" {
  name  = "bob-only"
  group = "interns"
  users = [aws_iam_user.bob.name]
}
