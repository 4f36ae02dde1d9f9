variable "name" {
  type = string
}

resource "aws_iam_user" "this" {
  count = 1
  name  = var.name
}

output "name" {
  value = one(aws_iam_user.this[*].name)
}
