variable "prefix" {
  type = string
}

data "aws_iam_policy_document" "audit" {
  statement {
    actions   = ["s3:ListAllMyBuckets"]
    resources = ["*"]
  }
}

resource "aws_iam_policy" "audit" {
  name   = "${var.prefix}-audit"
  policy = data.aws_iam_policy_document.audit.json
}
