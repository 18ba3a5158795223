a = 1 # c
bbb = 2 # d
# solo
block {
  x = [
    1,
  ]
}
