resource "aws_iam_user" "ci" {
  name = "ci-${var.env}"
}

resource "aws_iam_user" "etl" {
  name = lower("${var.team}-etl-${var.env}")
}

resource "aws_iam_user" "report" {
  name = format("%s-report-%02d", var.env, 7)
}

resource "aws_iam_user" "svc" {
  name = replace("svc_${var.env}_reader", "_", "-")
}
