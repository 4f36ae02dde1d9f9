resource "aws_iam_user" "deploy" {
  name = local.names["deploy"]
}

resource "aws_iam_user" "backup" {
  name = local.names.backup
}

resource "aws_iam_user" "upper" {
  name = upper(local.prefix)
}
