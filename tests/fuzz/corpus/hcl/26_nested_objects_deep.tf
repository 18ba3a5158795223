locals {
  cfg = {
  level1 = {
  level2 = {
  level3 = {
  value = "deep"
  other = 1
  }
  }
  }
  }
}
