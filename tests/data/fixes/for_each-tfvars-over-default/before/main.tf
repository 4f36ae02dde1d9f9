variable "users" {
  type    = set(string)
  default = ["ann", "eli", "fay"]
}

resource "aws_iam_user" "u" {
  for_each = var.users
  name     = each.key
}
