data "terraform_remote_state" "iam" {
  backend = "local"
  config = {
    path = "../iam.tfstate"
  }
}

resource "aws_iam_role" "app" {
  name = "app"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { AWS = [data.terraform_remote_state.iam.outputs.alice_arn, data.terraform_remote_state.iam.outputs.bob_arn] }
    }]
  })
}
