variable "users" {
  type    = list(string)
  default = ["alice", "bob", "carol"]
}

resource "aws_iam_user" "u" {
  for_each = toset(var.users)
  name     = each.key
}

resource "aws_s3_bucket" "first" {
  bucket = "first-${var.users[0]}"
}

resource "aws_ssm_parameter" "all" {
  name  = "users"
  type  = "String"
  value = join(",", var.users)
}
