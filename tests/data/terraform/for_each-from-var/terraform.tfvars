contractors = {
  kai = {
    company = "Globex"
  }
  lu = { company = "Initech", expires = "2025-01-01" }
}
