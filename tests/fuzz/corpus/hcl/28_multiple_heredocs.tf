locals {
  a = <<EOT
one
EOT
  bb = <<EOT
two
EOT
  ccc = "three"
}
