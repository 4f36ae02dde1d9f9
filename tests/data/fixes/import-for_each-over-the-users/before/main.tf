variable "users" {
  default = ["ann", "bob"]
}
resource "aws_iam_user" "u" {
  for_each = toset(var.users)
  name     = each.key
}
import {
  for_each = toset(["ann", "bob"])
  to       = aws_iam_user.u[each.key]
  id       = each.key
}
