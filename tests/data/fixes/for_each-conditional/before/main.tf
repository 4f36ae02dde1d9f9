variable "create" {
  type    = bool
  default = true
}

resource "aws_iam_user" "lab" {
  for_each = toset(["lea", "max"])
  name     = each.key
}

resource "aws_iam_access_key" "lab" {
  for_each = var.create ? aws_iam_user.lab : {}
  user     = each.value.name
}
