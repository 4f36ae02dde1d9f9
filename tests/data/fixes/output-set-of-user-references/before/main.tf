resource "aws_iam_user" "ann" {
  name = "ann"
}

resource "aws_iam_user" "bob" {
  name = "bob"
}

output "developer_names" {
  value = toset([aws_iam_user.ann.name, aws_iam_user.bob.name])
}
