resource "aws_iam_user" "ops" {
  for_each = toset(["quinn", "rosa"])
  name     = each.key
}

resource "aws_iam_access_key" "ops" {
  for_each = { for k, u in aws_iam_user.ops : k => u if startswith(u.name, "q") }
  user     = each.value.name
}
