variable "people" {
  type = set(string)
}

resource "aws_iam_user" "person" {
  for_each = var.people
  name     = each.key
}
