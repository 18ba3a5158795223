resource "aws_instance" "x" {
  user_data = <<-EOT
    #!/bin/bash
    echo ${ var.a } > /tmp/a
    %{ for s in var.services ~}
    systemctl start ${s}
    %{ endfor ~}
  EOT
  tags = {}
}
