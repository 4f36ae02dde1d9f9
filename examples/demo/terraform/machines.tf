# Machine users. Their keys live in the secrets manager, not here.

resource "aws_iam_user" "deploy_bot" {
  name = "deploy-bot"
  path = "/machines/"
}

resource "aws_iam_user" "data_loader" {
  name = "data-loader"
  path = "/machines/"
}

resource "aws_iam_user" "ci_2021" {
  name = "ci-2021"
  path = "/machines/"
}

# The old reporting job, replaced by the data platform in 2024.
resource "aws_iam_user" "legacy_reporting" {
  name = "legacy-reporting"
  path = "/machines/"
}
