locals {
  a = min(var.nums ...)
  b = max( 1 , 2 , var.rest... )
}
