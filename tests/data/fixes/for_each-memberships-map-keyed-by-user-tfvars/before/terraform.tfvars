users = ["ann", "bob", "cid"]

memberships = {
  ann = ["dev"]
  bob = ["dev", "ops"]
}
