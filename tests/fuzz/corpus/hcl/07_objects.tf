locals {
  obj = {a=1,b=2}
  obj2 = {
    a = 1
    bb = 2
    ccc = {
      x = "y"
    }
  }
  colon = {a: 1, "b": 2}
  empty = { }
  paren = {(local.k) = 1}
}
