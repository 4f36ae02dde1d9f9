locals {
  org    = "acme"
  env    = var.env
  prefix = "${local.org}-${local.env}"
  names  = { for n in ["deploy", "backup"] : n => "${local.prefix}-${n}" }
}

variable "env" {
  default = "stage"
}
