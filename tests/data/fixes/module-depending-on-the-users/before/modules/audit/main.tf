variable "prefix" {
  type = string
}

resource "aws_iam_group" "auditors" {
  name = "${var.prefix}-auditors"
}
