variable "users" {
  type    = list(string)
  default = ["alice", "bob", "carol"]
}

resource "aws_iam_user" "u" {
  for_each = toset(var.users)
  name     = each.key
}

module "m" {
  count  = length(var.users)
  source = "./m"
  name   = var.users[count.index]
}

module "remote" {
  count   = length(var.users)
  source  = "terraform-aws-modules/s3-bucket/aws"
  bucket  = "r-${var.users[count.index]}"
}
