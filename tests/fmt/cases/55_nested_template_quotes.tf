locals {
  a = "${ f( "a" , "b" ) }"
  b = "x-${ join( ",", [ for s in var.l : "${s}!" ] ) }-y"
  c = "%{ for i, s in var.l }${ i }:${ s } %{ endfor }"
}
