terraform {
  backend "local" {
    path = "../iam.tfstate"
  }
}

resource "aws_iam_user" "alice" {
  name = "alice"
}

resource "aws_iam_user" "bob" {
  name = "bob"
}

output "alice_arn" {
  value = aws_iam_user.alice.arn
}

output "bob_arn" {
  value = aws_iam_user.bob.arn
}
