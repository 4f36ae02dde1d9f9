locals {
  users_map = {
    ana  = ["deploy"]
    bert = ["deploy", "audit"]
    cleo = ["audit"]
  }
  roles = toset(["deploy", "audit"])
}

resource "aws_iam_user" "users" {
  for_each = local.users_map
  name     = each.key
}

resource "aws_iam_role" "r" {
  for_each = local.roles
  name     = each.value
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect = "Allow"
      Action = "sts:AssumeRole"
      Principal = {
        AWS = [for name in keys(aws_iam_user.users) : "arn:aws:iam::123456789012:user/${name}" if contains(local.users_map[name], each.value)]
      }
    }]
  })
}
