variable "team" {}
variable "lead" {}

resource "aws_iam_user" "lead" {
  name = "${var.team}-${var.lead}"
}

resource "aws_iam_user" "bot" {
  for_each = toset(["ci", "cd"])
  name     = "${var.team}-${each.key}-bot"
}
