d = "d-a-auto"
e = "e-a-auto"
f = "f-a-auto"
