locals {
  a = var.list[0]
  b = var.map["key"]
  c = var.nested[0]["k"].attr[1]
  d = var.list [0]
  e = module.m.outputs["x"]
}
