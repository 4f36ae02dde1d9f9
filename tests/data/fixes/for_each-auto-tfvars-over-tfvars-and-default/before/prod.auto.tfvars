users = [
  "ann",
  "eli",
  "gus",
]
