resource "aws_iam_user" "alice" {
  name = "alice"
}

resource "aws_iam_user" "bob" {
  name = "bob"
}

# Bob's user was renamed from "robert" in 2023.
moved {
  from = aws_iam_user.robert
  to   = aws_iam_user.bob
}

import {
  to = aws_iam_user.bob
  id = "bob"
}

removed {
  from = aws_iam_user.carol

  lifecycle {
    destroy = false
  }
}
