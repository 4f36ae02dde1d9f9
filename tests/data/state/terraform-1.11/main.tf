variable "keys" {
  default = ["plain", "with\"quote", "back\\slash", "tmpl$${x}", "pct%%{y}", "dollar$z", "tab\there", "nl\nx", "zw\u200bsp", "emoji😀", "nbsp\u00a0x", "ctl\u0001x"]
}

resource "terraform_data" "dev" {
  for_each = toset(var.keys)
  input    = each.key
}

resource "terraform_data" "intern" {
  count = 2
  input = "intern-${count.index}"
}

module "a" {
  source   = "./modules/b"
  for_each = toset(["k", "q\"k"])
}
