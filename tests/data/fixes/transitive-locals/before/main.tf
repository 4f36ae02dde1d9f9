resource "aws_iam_user" "bob" {
  name = "bob"
}

resource "aws_iam_access_key" "bob" {
  user = aws_iam_user.bob.name
}

locals {
  region     = "eu-west-1"
  bob_key_id = aws_iam_access_key.bob.id
  bob_env = {
    AWS_ACCESS_KEY_ID     = aws_iam_access_key.bob.id
    AWS_SECRET_ACCESS_KEY = aws_iam_access_key.bob.secret
  }
}

output "bob_env" {
  value     = local.bob_env
  sensitive = true
}

output "bob_key_id" {
  value = local.bob_key_id
}

data "aws_iam_policy_document" "bob" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = [aws_iam_user.bob.arn]
    }
  }
}

output "bob_policy" {
  value = data.aws_iam_policy_document.bob.json
}
