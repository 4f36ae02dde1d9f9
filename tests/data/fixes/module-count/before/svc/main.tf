variable "index" {
  type = number
}

resource "aws_iam_user" "svc" {
  name = "svc-${var.index}"
}
