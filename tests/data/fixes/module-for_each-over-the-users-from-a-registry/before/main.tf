resource "aws_iam_user" "u" {
  for_each = toset(["ann", "bob", "eve"])
  name     = each.key
}

# A registry module keyed by the users: iam-prune does not read what is in it.
module "home" {
  source   = "terraform-aws-modules/s3-bucket/aws"
  version  = "4.1.2"
  for_each = aws_iam_user.u
  bucket   = "home-${each.key}"
}
