resource "aws_iam_user" "ops" {
  for_each = {
    ann = { team = "platform" }
    # Eli left in March.
    eli = { team = "data" }
    fay = {
      team = "web"
    }
  }
  name = "ops-${each.key}"
  tags = {
    team = each.value.team
  }
}
