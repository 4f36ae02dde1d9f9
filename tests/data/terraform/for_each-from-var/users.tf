resource "aws_iam_user" "intern" {
  for_each = var.interns
  name     = "intern-${each.key}"
}

resource "aws_iam_user" "contractor" {
  for_each = var.contractors
  name     = "${each.key}@${lower(each.value.company)}"
}

resource "aws_iam_user" "listed" {
  for_each = var.untyped
  name     = each.key
}
