contractors = {
  kai = {
    company = "Globex"
  }
  lu = { company = "Initech" }
  mo = { company = "Hooli" }
}
