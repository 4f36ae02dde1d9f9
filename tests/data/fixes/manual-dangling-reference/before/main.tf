resource "aws_iam_user" "bob" {
  name = "bob"
}

resource "aws_iam_access_key" "bob" {
  user = aws_iam_user.bob.name
}

resource "aws_s3_bucket_policy" "reports" {
  bucket = "reports"
  policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = aws_iam_user.bob.arn }
      Action    = "s3:GetObject"
      Resource  = "arn:aws:s3:::reports/*"
    }]
  })
}

resource "aws_secretsmanager_secret_version" "bob_key" {
  secret_id     = "bob-key"
  secret_string = aws_iam_access_key.bob.secret
}
