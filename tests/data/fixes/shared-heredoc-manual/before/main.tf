resource "aws_iam_user" "alice" {
  name = "alice"
}

resource "aws_iam_user" "bob" {
  name = "bob"
}

resource "aws_iam_policy" "readers" {
  name   = "readers"
  policy = <<-EOT
    {
      "Statement": [{
        "Effect": "Allow",
        "Principal": {"AWS": ["${aws_iam_user.alice.arn}", "${aws_iam_user.bob.arn}"]},
        "Action": "s3:GetObject",
        "Resource": "*"
      }]
    }
  EOT
}
