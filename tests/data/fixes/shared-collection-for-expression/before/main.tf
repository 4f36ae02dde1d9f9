variable "users" {
  type    = list(string)
  default = ["alice", "bob", "carol"]
}

resource "aws_iam_user" "u" {
  for_each = toset(var.users)
  name     = each.key
}

module "legacy_users" {
  source = "git::https://example.com/iam-users.git"
  names  = [for u in var.users : "legacy-${u}"]
}
