locals {
  teams = {
    data = ["ann", "ben"]
    web  = ["cy"]
  }
  members = merge([
    for team, people in local.teams : {
      for person in people : person => { team = team }
    }
  ]...)
  bots = toset(concat(["bot-a"], ["bot-b"]))
}
