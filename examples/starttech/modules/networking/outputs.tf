output "vpc_id" {
  value = aws_vpc.this.id
}

output "public_subnet_ids" {
  value = aws_subnet.public[*].id
}

output "private_app_subnet_ids" {
  value = aws_subnet.private_app[*].id
}

output "private_data_subnet_ids" {
  value = [for s in aws_subnet.private_data : s.id]
}

output "nat_gateway_public_ip" {
  value = aws_eip.nat.public_ip
}

output "alb_security_group_id" {
  value = aws_security_group.alb.id
}

output "app_security_group_id" {
  value = aws_security_group.app.id
}

output "redis_security_group_id" {
  value = aws_security_group.redis.id
}

output "mongodb_security_group_id" {
  value = aws_security_group.mongodb.id
}
