locals {
  a = <<EOT
text
EOT
  bbbb = 1 # c
  c = 2
}
