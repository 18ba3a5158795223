locals {
  greeting = "héllo wörld"
  ünïcode = "ok"
  a = "x" # commentaire é
  bbb = "y" # ok
}
