locals {
  people = ["amy", "bob", "kim"]
}

resource "aws_iam_user" "p" {
  count = length(local.people)
  name  = local.people[count.index]
}

# Bob administers the team: once he is gone, position 1 would be kim.
resource "aws_iam_user_policy_attachment" "admin" {
  user       = aws_iam_user.p.*.name[1]
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

output "last_arn" {
  value = element(aws_iam_user.p[*].arn, 2)
}
