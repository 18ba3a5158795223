locals {
  x = merge(var.a, {
    k = 1
  })
  y = concat([
    1,
  ], [2])
  z = 3
}
