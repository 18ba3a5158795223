output "ids" {
  value = aws_instance.web[*].id
}
output "ids2" {
  value = aws_instance.web.*.id
}
output "first" {
  value = aws_instance.web[0].private_ip
}
output "legacy" {
  value = aws_subnet.private.0.id
}
