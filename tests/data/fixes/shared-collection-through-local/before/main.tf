variable "users" {
  type    = list(string)
  default = ["alice", "bob"]
}

locals {
  names = [for u in var.users : upper(u)]
}

resource "aws_iam_user" "u" {
  for_each = toset(var.users)
  name     = each.key
}

resource "aws_iam_policy" "shared" {
  name = "shared"
  policy = jsonencode({
    who    = local.names
    bucket = aws_s3_bucket.data.arn
  })
}

resource "aws_s3_bucket" "data" {
  bucket = "data"
}
