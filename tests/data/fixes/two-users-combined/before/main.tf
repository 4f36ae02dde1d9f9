resource "aws_iam_user" "alice" {
  name = "alice"
}

resource "aws_iam_user" "bob" {
  name = "bob"
}

resource "aws_iam_user" "carol" {
  name = "carol"
}

resource "aws_iam_user" "dee" {
  for_each = toset(["dee", "eve"])
  name     = each.key
}

resource "aws_iam_group_membership" "devs" {
  name  = "devs"
  group = "devs"
  users = [aws_iam_user.alice.name, aws_iam_user.bob.name, aws_iam_user.carol.name]
}

resource "aws_iam_group_membership" "ops" {
  name  = "ops"
  group = "ops"
  users = [
    aws_iam_user.bob.name,
    aws_iam_user.carol.name,
  ]
}

locals {
  a   = aws_iam_user.alice.name
  bob = aws_iam_user.bob.name
}

output "names" {
  value = {
    alice  = local.a
    bob    = local.bob
    carol  = aws_iam_user.carol.name
    dee    = aws_iam_user.dee["dee"].name
    others = [for u in aws_iam_user.dee : u.name]
  }
}
