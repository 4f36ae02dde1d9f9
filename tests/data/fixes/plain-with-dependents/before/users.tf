resource "aws_iam_user" "alice" {
  name = "alice"
}

# Bob joined in the spring.
resource "aws_iam_user" "bob" {
  name = "bob"
  tags = {
    team = "data"
  }
}
