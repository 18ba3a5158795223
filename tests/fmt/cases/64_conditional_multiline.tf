locals {
  a = (
    var.x
    ? 1
    : 2
  )
  bb = 1
}
