# Human users of the example account. Each block creates one IAM user.

resource "aws_iam_user" "alice" {
  name = "alice"
  tags = {
    team = "platform"
  }
}

# Bob joined in the spring; the console password was never used.
resource "aws_iam_user" "bob" {
  name = "bob"
}

resource "aws_iam_user" "new_hire" {
  name = "new-hire"
}

# iam-prune:exempt quarterly external audit until=2027-06-30
resource "aws_iam_user" "auditor" {
  name = "auditor"
}

resource "aws_iam_user" "break_glass" {
  name = "break-glass"
}

# Planned for January: not created yet.
resource "aws_iam_user" "intern" {
  name = "intern-2027"
}
