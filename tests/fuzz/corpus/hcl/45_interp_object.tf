locals {
  a = "${ {a = 1}.a }"
  b = "x${var.a}${var.b}y"
}
