module "team" {
  source = "./team"
}

resource "aws_ssm_parameter" "admins" {
  name  = "/org/admins"
  type  = "String"
  value = join(",", sort(module.team.membership_users["admins"]))
}
