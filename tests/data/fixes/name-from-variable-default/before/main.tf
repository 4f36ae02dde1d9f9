variable "carol_name" {
  default = "carol"
}

resource "aws_iam_user" "alice" {
  name = "alice"
}

resource "aws_iam_user" "carol" {
  name = var.carol_name
}

resource "aws_iam_access_key" "carol" {
  user = aws_iam_user.carol.name
}
