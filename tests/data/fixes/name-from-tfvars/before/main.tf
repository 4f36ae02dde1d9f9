resource "aws_iam_user" "deploy" {
  name = var.deploy_user
  tags = {
    team = var.team
  }
}

resource "aws_iam_user_policy_attachment" "deploy" {
  user       = aws_iam_user.deploy.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_iam_user" "ops" {
  name = "ops-${var.team}"
}
