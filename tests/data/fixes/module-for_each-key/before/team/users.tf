variable "team" {}
variable "lead" {}

resource "aws_iam_user" "lead" {
  name = "${var.team}-${var.lead}"
}

resource "aws_iam_user_policy_attachment" "lead" {
  user       = aws_iam_user.lead.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

output "lead_arn" {
  value = aws_iam_user.lead.arn
}
