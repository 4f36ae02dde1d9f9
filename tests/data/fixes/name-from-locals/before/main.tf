locals {
  account = "123456789012"
  # The on-call engineer's user.
  oncall = "pat"
}

locals {
  auditor = "quinn"
}

resource "aws_iam_user" "oncall" {
  name = local.oncall
  tags = {
    account = local.account
  }
}

resource "aws_iam_user" "auditor" {
  name = local.auditor
}

resource "aws_iam_user_policy_attachment" "auditor" {
  user       = aws_iam_user.auditor.name
  policy_arn = "arn:aws:iam::aws:policy/SecurityAudit"
}
