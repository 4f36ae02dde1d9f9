variable "env" {
  default = "prod"
}

resource "aws_iam_user" "bob" {
  name = "bob"
}

output "info" {
  value = {
    bob_arn = aws_iam_user.bob.arn
    env     = var.env
    bucket  = "static-bucket"
  }
}

output "principals" {
  value = [aws_iam_user.bob.arn, "arn:aws:iam::123456789012:user/static"]
}
