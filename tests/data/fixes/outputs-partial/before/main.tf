resource "aws_iam_user" "alice" {
  name = "alice"
}

resource "aws_iam_user" "bob" {
  name = "bob"
}

output "arns" {
  value = {
    alice = aws_iam_user.alice.arn
    bob   = aws_iam_user.bob.arn
  }
}

output "names" {
  value = [aws_iam_user.alice.name, aws_iam_user.bob.name]
}

output "bob_greeting" {
  value = "Hello, ${aws_iam_user.bob.name} (${var.team})"
}

variable "team" {
  default = "data"
}
