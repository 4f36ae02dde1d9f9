variable "team" { type = string }
variable "members" { type = list(string) }

resource "aws_iam_group" "this" {
  name = var.team
}

module "person" {
  source   = "../person"
  for_each = toset(var.members)
  name     = each.key
  group    = aws_iam_group.this.name
}
