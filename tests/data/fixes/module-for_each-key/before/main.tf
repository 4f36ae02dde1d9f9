locals {
  teams = {
    data = { lead = "dee" }
    web = {
      lead = "wes"
    }
  }
}

module "team" {
  source   = "./team"
  for_each = local.teams
  team     = each.key
  lead     = each.value.lead
}

output "web_lead" {
  value = module.team["web"].lead_arn
}
