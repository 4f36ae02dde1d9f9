# Human users. Each block creates one IAM user.

resource "aws_iam_user" "alice" {
  name = "alice"
}

# Bob joined in the spring.
# Ticket: OPS-1234
/* The console password was
   never used. */
resource "aws_iam_user" "bob" {
  name = "bob"
} # end of bob


# This comment is about carol and stays.
resource "aws_iam_user" "carol" {
  name = "carol"
  # The policy below is a heredoc full of braces.
}

resource "aws_iam_user_policy" "bob" {
  name   = "inline"
  user   = aws_iam_user.bob.name
  policy = <<-EOT
    {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::${var.bucket}/*"}]}
  EOT
}

variable "bucket" {
  default = "reports"
}
