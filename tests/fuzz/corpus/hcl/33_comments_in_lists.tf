locals {
  list = [
    "a", # first
    "bb", # second
    # standalone
    "c",
  ]
}
