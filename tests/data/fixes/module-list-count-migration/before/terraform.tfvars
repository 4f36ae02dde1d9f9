admins = [
  "fay",
  "gus",
  "hal",
]
