locals {
  interns = ["pia", "quin"]
}

resource "aws_iam_user" "intern" {
  count = length(local.interns)
  name  = "intern-${local.interns[count.index]}" == "" ? "" : local.interns[count.index]
}
