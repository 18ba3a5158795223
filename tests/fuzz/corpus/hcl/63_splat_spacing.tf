locals {
  a = var.x [*] . y
  b = var.x . * . y
  c = var.m [ "k" ] [ 0 ]
}
