output "vpc" {
  value = aws_vpc.mian.id
}

output "subnets" {
  value = aws_subnet.private[*].id
}
