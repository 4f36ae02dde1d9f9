variable "owner" {
  type = string
}
resource "aws_iam_user" "service" {
  name = "${var.owner}-service"
}
