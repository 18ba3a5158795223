locals {
  a = 1 # one
  bbbbbb = 2 # two
  cc = 3 # three

  d = 4 # four
  # solo
  e = 5 # five
  f = 6 # six
}
