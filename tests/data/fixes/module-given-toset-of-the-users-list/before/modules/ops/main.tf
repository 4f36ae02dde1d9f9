variable "users" {
  type = set(string)
}

resource "aws_iam_user_policy" "ops" {
  for_each = var.users
  name     = "ops"
  user     = each.value
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "ec2:Describe*", Resource = "*" }]
  })
}
