resource "aws_iam_user" "intern" {
  count = length(var.interns)
  name  = var.interns[count.index]
}

resource "aws_iam_user" "shadow" {
  count = length(var.interns)
  name  = "shadow-${count.index}"
}

resource "aws_iam_user" "element" {
  count = length(local.extra)
  name  = "x-${element(local.extra, count.index)}"
}

locals {
  extra = ["one", "two"]
}
