locals {
  doubled = [for x in var.list: x*2]
  filtered = [for x in var.list : x if x>1]
  obj = {for k,v in var.map: k=>v}
  grouped = {for v in var.items : v.key => v.value...}
  idx = [for i, v in var.list : "${i}=${v}"]
  lit = [for x in [1,2] : x]
}
