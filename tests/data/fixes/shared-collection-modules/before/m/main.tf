variable "name" {
  type = string
}

resource "aws_s3_bucket" "b" {
  bucket = "data-${var.name}"
}
