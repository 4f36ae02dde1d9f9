resource "aws_iam_user" "svc" {
  for_each = toset(["blue"])
  name     = "svc-${each.key}"
}
