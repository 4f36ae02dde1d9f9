variable "members" {
  type = list(string)
}

resource "aws_iam_user_policy_attachment" "member" {
  count      = length(var.members)
  user       = var.members[count.index]
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}
