# What the human users may do. Whatever exists only for a user goes when the user goes.

resource "aws_iam_group_membership" "developers" {
  name  = "developers"
  group = "developers"
  users = [
    aws_iam_user.alice.name,
    aws_iam_user.bob.name,
  ]
}

resource "aws_iam_user_policy_attachment" "bob_read_only" {
  user       = aws_iam_user.bob.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_iam_user_login_profile" "bob" {
  user                    = aws_iam_user.bob.name
  password_reset_required = true
}

# Handed to Bob once, for his first sign-in.
output "bob_initial_password" {
  value     = aws_iam_user_login_profile.bob.password
  sensitive = true
}
