variable "interns" {
  type    = list(string)
  default = ["pia", "quin", "ray"]
}

resource "aws_iam_user" "intern" {
  count = length(var.interns)
  name  = var.interns[count.index]
}
