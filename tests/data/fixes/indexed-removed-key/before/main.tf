variable "team" {
  type = map(object({ email = string }))
  default = {
    carol = { email = "c@x" }
    dave  = { email = "d@x" }
  }
}

locals {
  people = {
    carol = { groups = ["a"] }
    dave  = { groups = ["b"] }
  }
}

resource "aws_iam_user" "people" {
  for_each = local.people
  name     = each.key
}

resource "aws_iam_user" "team" {
  for_each = var.team
  name     = "t-${each.key}"
  tags     = { email = each.value.email }
}

resource "aws_s3_bucket" "carol" {
  bucket = "carol-${local.people["carol"].groups[0]}"
}

resource "aws_ssm_parameter" "x" {
  name  = "x"
  type  = "String"
  value = var.team["carol"].email
}
