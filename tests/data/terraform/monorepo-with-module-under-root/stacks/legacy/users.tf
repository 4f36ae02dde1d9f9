resource "aws_iam_user" "old" {
  name = "old-timer"
}
