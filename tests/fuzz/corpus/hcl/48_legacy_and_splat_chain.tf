locals {
  a = var.l.0.b.1
  b = var.x.*.y.z
  c = var.x[*].y[0].z
  d = var.x[*]
}
