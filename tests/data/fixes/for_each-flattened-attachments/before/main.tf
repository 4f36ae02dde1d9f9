locals {
  users = {
    ann = { policies = ["ro"], console = true }
    eli = { policies = ["ro", "pw"], console = true }
    fay = { policies = ["pw"], console = true }
  }
}

resource "aws_iam_user" "this" {
  for_each      = local.users
  name          = each.key
  force_destroy = true
}

locals {
  attachments = flatten([
    for user, cfg in local.users : [
      for policy in cfg.policies : {
        user   = user
        policy = policy
      }
    ]
  ])
}

resource "aws_iam_policy" "p" {
  for_each = toset(["ro", "pw"])
  name     = each.key
  policy   = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:List*", Resource = "*" }] })
}

resource "aws_iam_user_policy_attachment" "this" {
  for_each   = { for a in local.attachments : "${a.user}/${a.policy}" => a }
  user       = aws_iam_user.this[each.value.user].name
  policy_arn = aws_iam_policy.p[each.value.policy].arn
}
