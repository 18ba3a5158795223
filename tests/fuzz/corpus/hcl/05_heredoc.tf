resource "aws_instance" "web" {
  user_data = <<EOF
#!/bin/bash
   echo "hello ${var.name}"
yum install -y nginx
EOF
  ami = "ami-123"
    instance_type="t3.micro"
}
