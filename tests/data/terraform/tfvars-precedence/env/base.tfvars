f = "f-base-var-file"
