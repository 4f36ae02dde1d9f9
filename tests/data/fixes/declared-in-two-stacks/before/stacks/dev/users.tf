resource "aws_iam_user" "etl" {
  name = "legacy-etl"
}

resource "aws_iam_access_key" "etl" {
  user = aws_iam_user.etl.name
}

resource "aws_iam_user" "app" {
  name = "app-dev"
}
