resource "aws_iam_user" "shadow" {
  count = 3
  name  = "shadow-${count.index}"
}

variable "services" {
  default = ["a", "b", "c"]
}

resource "aws_iam_user" "svc" {
  count = length(var.services)
  name  = "svc-${var.services[count.index]}"
  path  = "/svc/${count.index}/"
}
