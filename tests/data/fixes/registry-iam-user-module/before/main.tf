module "report_user" {
  source  = "terraform-aws-modules/iam/aws//modules/iam-user"
  version = "~> 5.0"
  name    = "svc-report"
}

module "ci_user" {
  source  = "terraform-aws-modules/iam/aws//modules/iam-user"
  version = "~> 5.0"
  name    = "svc-ci"
}

output "report_user_arn" {
  value = module.report_user.iam_user_arn
}
