variable "members" {
  type = tuple([string, string])
}

resource "aws_iam_user_policy" "dev" {
  for_each = toset(var.members)
  name     = "${each.key}-dev"
  user     = each.key
  policy   = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:ListBucket", Resource = "*" }] })
}
