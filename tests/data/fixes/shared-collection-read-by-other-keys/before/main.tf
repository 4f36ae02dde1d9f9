locals {
  people = {
    carol = { groups = ["admins"] }
    dave  = { groups = ["readers"] }
  }
}

resource "aws_iam_user" "people" {
  for_each = local.people
  name     = each.key
}

# Reads carol's entry only: taking dave's away leaves it as it is.
resource "aws_s3_bucket" "carol" {
  bucket = "carol-${local.people["carol"].groups[0]}"
}

locals {
  carol_groups = local.people.carol.groups
}

resource "aws_ssm_parameter" "carol" {
  name  = "carol-groups"
  type  = "StringList"
  value = join(",", local.carol_groups)
}

# A root module's output: `terraform plan` shows its new value, nothing reads it.
output "people" {
  value = keys(local.people)
}
