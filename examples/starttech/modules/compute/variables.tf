variable "name_prefix" {
  type = string
}

variable "vpc_id" {
  type = string
}

variable "public_subnet_ids" {
  type = list(string)
}

variable "app_subnet_ids" {
  type = list(string)
}

variable "data_subnet_ids" {
  type = list(string)
}

variable "alb_security_group_id" {
  type = string
}

variable "app_security_group_id" {
  type = string
}

variable "db_security_group_id" {
  type = string
}

variable "ami_id" {
  type = string
}

variable "instance_type" {
  type = string
}

variable "mongodb_instance_type" {
  type = string
}

variable "asg_capacity" {
  type = object({
    min     = number
    max     = number
    desired = number
  })
}

variable "app_log_group_name" {
  type = string
}

variable "ecr_repository_url" {
  type = string
}

variable "redis_endpoint" {
  type = string
}

variable "frontend_bucket_arn" {
  type = string
}
