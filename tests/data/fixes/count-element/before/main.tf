variable "username" {
  type    = list(string)
  default = ["ann", "ben", "cid"]
}

resource "aws_iam_user" "u" {
  count = length(var.username)
  name  = element(var.username, count.index)
}

resource "aws_iam_user_policy_attachment" "u" {
  count      = length(var.username)
  user       = element(aws_iam_user.u.*.name, count.index)
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}
