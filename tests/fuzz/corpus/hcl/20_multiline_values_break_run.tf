locals {
  a = 1
  bb = {
    x = 1
  }
  ccc = 3
  dddd = 4
  e = [
    1,
  ]
  ff = 6
}
