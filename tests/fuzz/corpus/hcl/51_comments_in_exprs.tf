locals {
  a = [ # open
    1, # one
  2 # two
  ] # close
  b = { # open obj
  k = 1 # k
  } # close obj
  c = /* before */ 1
  d = 1 /* after */
  e = f( /* arg */ 1)
}
