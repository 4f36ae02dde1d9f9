module "alice" {
  source = "./modules/person"
  name   = "alice"
}

# Bob's account, requested in ticket OPS-12.
module "bob" {
  source = "./modules/person"
  name   = "bob"
  groups = ["developers"]
}

output "people" {
  value = {
    alice = module.alice.arn
    bob   = module.bob.arn
  }
}

output "bob_key" {
  value     = module.bob.access_key_id
  sensitive = true
}
