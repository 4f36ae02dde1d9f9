"""iam-prune: find unused AWS IAM users and the Terraform change that retires them."""

__version__ = "0.1.0"
