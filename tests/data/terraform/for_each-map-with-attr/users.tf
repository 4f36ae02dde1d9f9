resource "aws_iam_user" "staff" {
  for_each = {
    eli = {
      login = "eli.k"
      team  = "data"
    }
    "mo" = { login = "mo.r", team = "web" }
  }

  name = "${each.value.login}-${each.value["team"]}"
  tags = {
    key = each.key
  }
}
