admins = [
  "fay",
  "gus",
]
