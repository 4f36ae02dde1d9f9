variable "people" {
  type = map(object({ policy = string }))
}

resource "aws_iam_user" "member" {
  for_each = var.people
  name     = each.key
}

resource "aws_iam_user_policy_attachment" "member" {
  for_each   = var.people
  user       = aws_iam_user.member[each.key].name
  policy_arn = "arn:aws:iam::aws:policy/${each.value.policy}"
}

output "names" {
  value = values(aws_iam_user.member)[*].name
}
