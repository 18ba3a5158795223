locals {
  a = [-1, -2]
  b = {x = -1}
  c = f(-1)
  d = 1 - 1
  e = 1 * -1
  f = var.a ? -1 : -2
  g = var.x - -1
  h = !var.a && -1 < 0
}
