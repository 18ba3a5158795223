output "vpc_id" {
value = aws_vpc.main.id
description = "The VPC id"
}
output "subnet_ids" {
  value = [for s in aws_subnet.private : s.id]
  sensitive=true
}
