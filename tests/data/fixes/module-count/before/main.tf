module "svc" {
  count  = 2
  source = "./svc"
  index  = count.index
}
