locals {
  a = b == c
  bb = x != y ? 1 : 2
  ccc = {k = 1}
  d = [1, 2]
}
