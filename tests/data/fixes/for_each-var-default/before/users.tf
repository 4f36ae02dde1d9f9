resource "aws_iam_user" "intern" {
  for_each = var.interns
  name     = "intern-${each.key}"
}
