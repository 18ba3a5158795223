locals {
  a = "${var.x}"
  b = "prefix-${ var.x }-suffix"
  c = "%{ if var.on }on%{ else }off%{ endif }"
  d = "%{for x in var.xs}${x},%{endfor}"
  e = "${~ var.x ~}"
  f = "$${literal} %%{literal}"
  g = "esc \"q\" \n \t \\"
}
