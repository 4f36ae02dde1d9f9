people = [
  "hal",
  "ivy",
  "jo",
]
