resource "aws_iam_user_policy_attachment" "bob_readonly" {
  user       = aws_iam_user.bob.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_iam_user_policy" "bob_s3" {
  name = "s3"
  user = aws_iam_user.bob.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }]
  })
}

resource "aws_iam_user_group_membership" "bob" {
  user   = aws_iam_user.bob.name
  groups = ["developers"]
}

resource "aws_iam_access_key" "bob" {
  user = aws_iam_user.bob.name
}

resource "aws_iam_user_login_profile" "bob" {
  user                    = aws_iam_user.bob.name
  password_reset_required = true
}

resource "aws_iam_user_ssh_key" "bob" {
  username   = aws_iam_user.bob.name
  encoding   = "SSH"
  public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE bob@example.com"
}

resource "aws_iam_service_specific_credential" "bob" {
  service_name = "codecommit.amazonaws.com"
  user_name    = aws_iam_user.bob.name
}

resource "aws_iam_signing_certificate" "bob" {
  user_name        = aws_iam_user.bob.name
  certificate_body = file("bob.pem")
}

resource "aws_iam_user_policy_attachment" "alice_readonly" {
  user       = aws_iam_user.alice.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}
