module "team" {
  source = "./modules/team"
  users  = ["zed", "amy", "kim", "bob"]
}

output "arns" {
  value = module.team.arns
}

resource "aws_iam_group_membership" "team" {
  name  = "team"
  group = "team"
  users = module.team.names
}
