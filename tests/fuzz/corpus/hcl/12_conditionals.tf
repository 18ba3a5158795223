locals {
  c1 = var.on?1:2
  c2 = var.on ? "yes" : var.other ? "maybe" : "no"
  c3 = var.n > 0 ? -1 : 1
}
