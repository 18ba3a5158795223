output "alb_dns_name" {
  value = aws_lb.app.dns_name
}

output "alb_arn_suffix" {
  value = aws_lb.app.arn_suffix
}

output "asg_name" {
  value = aws_autoscaling_group.app.name
}

output "mongodb_instance_id" {
  value = aws_instance.mongodb.id
}

output "mongodb_private_ip" {
  value = aws_instance.mongodb.private_ip
}

output "instance_role_arn" {
  value = aws_iam_role.app.arn
}
