variable "user" {
  type = string
}

resource "aws_iam_user_policy" "read_own_keys" {
  name = "${var.user}-read-own-keys"
  user = var.user
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["iam:ListAccessKeys"]
      Resource = "arn:aws:iam::*:user/${var.user}"
    }]
  })
}

output "policy_name" {
  value = aws_iam_user_policy.read_own_keys.name
}

# Each user's home prefix, through a module of its own.
module "home" {
  source = "../home"
  user   = var.user
}
