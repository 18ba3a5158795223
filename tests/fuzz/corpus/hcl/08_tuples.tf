locals {
  list = [1,2,3]
  spaced = [ 1 , 2 , 3 ]
  multi = [
  "a",
      "b",
  "c",
  ]
  nested = [[1,2],[3,4]]
  empty=[]
}
