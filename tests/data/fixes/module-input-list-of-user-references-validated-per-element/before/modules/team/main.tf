variable "members" {
  type = list(string)

  validation {
    condition     = alltrue([for m in var.members : length(m) <= 64])
    error_message = "An IAM user name has at most 64 characters."
  }
}

resource "aws_iam_user_policy" "member" {
  for_each = toset(var.members)
  name     = "${each.key}-team"
  user     = each.key
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:ListAllMyBuckets", Resource = "*" }]
  })
}
