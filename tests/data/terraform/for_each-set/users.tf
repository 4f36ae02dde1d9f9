resource "aws_iam_user" "dev" {
  for_each = toset([
    "eli",
    "dana",
    "carl",
  ])
  name = each.key
}

resource "aws_iam_user" "ops" {
  for_each = toset(["ops-${"a"}", "ops-b"])
  name     = each.value
}
