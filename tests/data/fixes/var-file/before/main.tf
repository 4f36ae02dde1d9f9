variable "people" {
  type    = set(string)
  default = []
}

resource "aws_iam_user" "person" {
  for_each = var.people
  name     = each.key
}
