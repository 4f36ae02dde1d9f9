locals {
  services = {
    ann = "billing"
    eli = "search"
    fay = "ads"
  }
  region = "eu-west-1"
}
