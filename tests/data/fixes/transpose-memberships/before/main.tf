variable "user_map" {
  type = map(list(string))
  default = {
    jo  = ["readers", "writers"]
    kai = ["readers"]
  }
}

resource "aws_iam_user" "u" {
  for_each = var.user_map
  name     = each.key
}

resource "aws_iam_group_membership" "g" {
  for_each = transpose(var.user_map)
  name     = "${each.key}-members"
  group    = each.key
  users    = [for user in each.value : aws_iam_user.u[user].name]
}
