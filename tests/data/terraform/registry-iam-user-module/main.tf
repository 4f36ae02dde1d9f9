module "auditor" {
  source  = "terraform-aws-modules/iam/aws//modules/iam-user"
  version = "~> 5.0"

  name          = "auditor"
  force_destroy = true
}

module "people" {
  source   = "registry.terraform.io/terraform-aws-modules/iam/aws//modules/iam-user"
  for_each = toset(["gus", "hal"])
  name     = "${each.key}.${var.domain}"
}

module "off" {
  source      = "terraform-aws-modules/iam/aws//modules/iam-user"
  name        = "off"
  create_user = false
}

module "from_git" {
  source = "git::https://github.com/terraform-aws-modules/terraform-aws-iam.git//modules/iam-user?ref=v5.48.0"
  name   = "gitted"
}

module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
}

variable "domain" {
  default = "corp"
}
