variable "users" {
  type = list(string)
}

resource "aws_iam_user" "u" {
  count = length(var.users)
  name  = var.users[count.index]
}

output "arns" {
  value = aws_iam_user.u[*].arn
}

output "names" {
  value = aws_iam_user.u[*].name
}
