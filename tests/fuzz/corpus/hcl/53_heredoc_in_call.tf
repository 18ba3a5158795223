locals {
  x = trimspace(<<EOT
  hello
EOT
  )
  yy = 2
}
