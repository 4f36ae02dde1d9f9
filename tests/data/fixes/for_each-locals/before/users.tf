resource "aws_iam_user" "svc" {
  for_each = local.services
  name     = "svc-${each.key}"
  tags = {
    service = each.value
  }
}
