a = "abc
b = <<EOT
x
