resource "aws_iam_user" "staff" {
  for_each = toset(jsondecode(file("${path.module}/staff.json")).staff)
  name     = each.key
}

resource "aws_iam_user_policy_attachment" "staff" {
  for_each   = aws_iam_user.staff
  user       = each.value.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}
