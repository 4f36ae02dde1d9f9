locals {
  teams = {
    data = {
      members = ["eli", "gus"]
    }
    web = {
      members = ["ann"]
    }
  }
}

module "team" {
  source   = "./modules/team"
  for_each = local.teams
  team     = each.key
  members  = each.value.members
}
