locals {
  sum = 1+2
  diff = 3-1
  mul=2*3
  div = 6/2
  mod = 7%3
  cmp = 1<2&&2>1||1==1
  ne = 1!=2
  le = 1<=2
  ge = 2>=1
  not = ! true
  neg = - 5
  negv = -var.x
  mixed = (1+2)*3-4/2
}
