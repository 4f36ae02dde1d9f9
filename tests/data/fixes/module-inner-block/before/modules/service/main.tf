variable "name" {
  type = string
}

resource "aws_s3_bucket" "data" {
  bucket = "${var.name}-data"
}

resource "aws_iam_user" "deployer" {
  name = "${var.name}-deployer"
}

resource "aws_iam_user_policy" "deployer" {
  name   = "deploy"
  user   = aws_iam_user.deployer.name
  policy = "{}"
}

output "bucket" {
  value = aws_s3_bucket.data.id
}

output "deployer" {
  value = aws_iam_user.deployer.name
}
