resource "random_pet" "x" {}

resource "aws_iam_user" "pet" {
  name = "pet-${random_pet.x.id}"
}

resource "aws_iam_user" "ws" {
  name = "ci-${terraform.workspace}"
}

variable "suffix" {}

resource "aws_iam_user" "nodefault" {
  name = "svc-${var.suffix}"
}

data "aws_caller_identity" "me" {}

resource "aws_iam_user" "from_data" {
  for_each = toset([data.aws_caller_identity.me.account_id])
  name     = "acct-${each.key}"
}

resource "aws_iam_user" "fine" {
  name = "fine"
}
