resource "aws_iam_user" "team" {
  for_each = toset(["ann", "bob"])
  name     = each.value
}

module "audit" {
  source = "./modules/audit"
  prefix = "team"

  depends_on = [aws_iam_user.team]
}
