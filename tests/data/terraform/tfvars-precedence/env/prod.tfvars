f = "f-prod-var-file"
