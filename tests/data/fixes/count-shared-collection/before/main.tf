variable "users" {
  type    = list(string)
  default = ["alice", "bob", "carol"]
}

resource "aws_iam_user" "u" {
  count = length(var.users)
  name  = var.users[count.index]
}

resource "aws_s3_bucket" "b" {
  for_each = toset(["0", "1"])
  bucket   = "b-${var.users[tonumber(each.key)]}"
}
