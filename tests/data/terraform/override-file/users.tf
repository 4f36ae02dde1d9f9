resource "aws_iam_user" "svc" {
  count = 2
  name  = "svc-${count.index}"
}
