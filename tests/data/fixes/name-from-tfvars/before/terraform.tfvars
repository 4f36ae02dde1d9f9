# Set per environment.
team        = "platform"
deploy_user = "ci-deploy"
