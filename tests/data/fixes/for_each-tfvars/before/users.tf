resource "aws_iam_user" "contractor" {
  for_each = var.contractors
  name     = "${each.key}@${lower(each.value.company)}"
}
