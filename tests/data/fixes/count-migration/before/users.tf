resource "aws_iam_user" "intern" {
  count = length(var.interns)
  name  = var.interns[count.index]
  tags = {
    cohort = "2024"
  }
}

resource "aws_iam_user_login_profile" "intern" {
  count = length(var.interns)
  user  = aws_iam_user.intern[count.index].name
}

output "first_intern" {
  value = aws_iam_user.intern[0].arn
}

output "intern_arns" {
  value = aws_iam_user.intern[*].arn
}
