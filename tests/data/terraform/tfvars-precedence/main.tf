variable "a" { default = "a-default" }
variable "b" { default = "b-default" }
variable "c" { default = "c-default" }
variable "d" { default = "d-default" }
variable "e" { default = "e-default" }
variable "f" { default = "f-default" }

resource "aws_iam_user" "a" { name = var.a }
resource "aws_iam_user" "b" { name = var.b }
resource "aws_iam_user" "c" { name = var.c }
resource "aws_iam_user" "d" { name = var.d }
resource "aws_iam_user" "e" { name = var.e }
resource "aws_iam_user" "f" { name = var.f }
