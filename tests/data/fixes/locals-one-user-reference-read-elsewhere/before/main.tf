resource "aws_iam_user" "ann" {
  name = "ann"
}

resource "aws_iam_user" "bob" {
  name = "bob"
}

locals {
  # Who may deploy on top of the developers.
  deployers = [aws_iam_user.bob.name]
}

resource "aws_iam_group_membership" "deployers" {
  name  = "deployers"
  group = "deployers"
  users = concat([aws_iam_user.ann.name], local.deployers)
}

output "deployers" {
  value = local.deployers
}
