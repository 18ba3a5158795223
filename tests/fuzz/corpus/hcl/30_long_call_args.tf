locals {
  x = coalesce(
  var.a,
      var.b,
  "default"
  )
  y = lookup(var.map,"key","default")
}
