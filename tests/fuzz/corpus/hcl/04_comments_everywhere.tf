# leading comment
// another style
/* block
   comment */
variable "x" { # after brace
  type = string # trailing
  default = "a" // slash trailing
  # full line in block
  description = "desc"   /* inline block */
}
# between blocks

output "y" {
  value = var.x  # c1
  sensitive = false   # c2 longer
}
