variable "create_robot" {
  default = false
}

resource "aws_iam_user" "intern" {
  count = 3
  name  = "intern-${count.index + 1}"
}

resource "aws_iam_user" "robot" {
  count = var.create_robot ? 1 : 0
  name  = "robot"
}

resource "aws_iam_user" "canary" {
  count = 1
  name  = "canary"
}
