variable "user_names" {
  type = list(string)
}

resource "aws_iam_user" "this" {
  count = length(var.user_names)
  name  = var.user_names[count.index]
}

resource "aws_iam_user_policy_attachment" "admin" {
  count      = length(var.user_names)
  user       = aws_iam_user.this[count.index].name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
