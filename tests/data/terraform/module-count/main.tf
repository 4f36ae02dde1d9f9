variable "services" {
  default = ["billing", "search"]
}

module "svc" {
  source = "./modules/svc"
  count  = length(var.services)
  name   = "svc-${var.services[count.index]}"
}

module "disabled" {
  source = "./modules/svc"
  count  = 0
  name   = "never"
}
