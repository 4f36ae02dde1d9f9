users = [
  "ann",
  "eli",
  "fay",
]
