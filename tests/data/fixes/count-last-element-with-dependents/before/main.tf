variable "users" {
  type    = list(string)
  default = ["alice", "bob", "carol", "dave"]
}

resource "aws_iam_user" "u" {
  count = length(var.users)
  name  = var.users[count.index]
}

resource "aws_iam_access_key" "u" {
  count = length(var.users)
  user  = aws_iam_user.u[count.index].name
}

resource "aws_iam_user_login_profile" "u" {
  count = length(var.users)
  user  = element(aws_iam_user.u[*].name, count.index)
}

resource "aws_iam_group_membership" "all" {
  name  = "all"
  group = "everyone"
  users = aws_iam_user.u[*].name
}

output "arns" {
  value = aws_iam_user.u[*].arn
}
