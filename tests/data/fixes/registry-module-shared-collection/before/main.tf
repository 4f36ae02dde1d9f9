variable "users" {
  type    = list(string)
  default = ["alice", "bob", "carol"]
}

module "human" {
  source   = "terraform-aws-modules/iam/aws//modules/iam-user"
  for_each = toset(var.users)
  name     = each.key
}

module "robot" {
  source = "terraform-aws-modules/iam/aws//modules/iam-user"
  count  = length(var.users)
  name   = "bot-${var.users[count.index]}"
}
