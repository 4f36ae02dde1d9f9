users = ["ann", "eli", "fay", "gus"]
