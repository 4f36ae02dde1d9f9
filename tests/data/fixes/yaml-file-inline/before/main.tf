resource "aws_iam_user" "crew" {
  for_each = toset(yamldecode(file("${path.module}/crew.yaml")).crew)
  name     = each.key
}
