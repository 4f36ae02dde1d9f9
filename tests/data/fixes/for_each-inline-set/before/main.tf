resource "aws_iam_user" "dev" {
  for_each = toset(["ann", "eli", "fay"])
  name     = each.key
}

output "eli_arn" {
  value = aws_iam_user.dev["eli"].arn
}

output "dev_arns" {
  value = [for user in aws_iam_user.dev : user.arn]
}
