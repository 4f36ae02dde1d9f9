variable "audit_enabled" {
  type    = bool
  default = true
}

resource "aws_iam_user" "auditor" {
  count = var.audit_enabled ? 1 : 0
  name  = "auditor"
}

resource "aws_iam_user_policy_attachment" "auditor" {
  count      = var.audit_enabled ? 1 : 0
  user       = aws_iam_user.auditor[0].name
  policy_arn = "arn:aws:iam::aws:policy/SecurityAudit"
}

output "auditor_arn" {
  value = one(aws_iam_user.auditor[*].arn)
}
