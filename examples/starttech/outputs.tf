output "vpc_id" {
  description = "ID of the VPC"
  value       = module.networking.vpc_id
}

output "alb_dns_name" {
  description = "Public DNS name of the application load balancer"
  value       = module.compute.alb_dns_name
}

output "cloudfront_domain_name" {
  description = "Domain of the CloudFront distribution serving the frontend"
  value       = module.storage.cloudfront_domain_name
}

output "frontend_bucket" {
  description = "Bucket holding the frontend build"
  value       = module.storage.bucket_name
}

output "redis_endpoint" {
  description = "Redis endpoint (host:port)"
  value       = "${module.caching.endpoint}:${module.caching.port}"
}

output "ecr_repository_url" {
  description = "Where CI pushes the backend image"
  value       = aws_ecr_repository.backend.repository_url
}

output "mongodb_private_ip" {
  description = "Private address of the MongoDB server"
  value       = module.compute.mongodb_private_ip
  sensitive   = true
}

output "alarm_topic_arn" {
  description = "SNS topic receiving the CloudWatch alarms"
  value       = module.monitoring.alarm_topic_arn
}
