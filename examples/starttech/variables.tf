variable "aws_region" {
  description = "AWS region the platform is deployed to"
  type        = string
  default     = "eu-north-1"
}

variable "project_name" {
  description = "Name prefix for every resource"
  type        = string
  default     = "starttech"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,20}$", var.project_name))
    error_message = "The project_name must be 3-21 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "environment" {
  description = "Deployment environment (dev, staging, prod)"
  type        = string
  default     = "prod"

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "The environment must be one of dev, staging or prod."
  }
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC"
  type        = string
  default     = "10.0.0.0/16"
}

variable "az_count" {
  description = "Number of availability zones to spread subnets over"
  type        = number
  default     = 2
}

variable "instance_type" {
  description = "Instance type of the application servers"
  type        = string
  default     = "t3.micro"
}

variable "asg_capacity" {
  description = "Auto scaling group sizes"
  type = object({
    min     = number
    max     = number
    desired = optional(number, 2)
  })
  default = {
    min     = 2
    max     = 4
    desired = 2
  }
}

variable "mongodb_instance_type" {
  description = "Instance type of the MongoDB server"
  type        = string
  default     = "t3.small"
}

variable "redis_node_type" {
  description = "ElastiCache node type"
  type        = string
  default     = "cache.t3.micro"
}

variable "log_retention_days" {
  description = "Retention of the CloudWatch log groups"
  type        = number
  default     = 30
}

variable "alarm_email" {
  description = "Address subscribed to the alarm topic (empty: no subscription)"
  type        = string
  default     = ""
}

variable "ecr_keep_images" {
  description = "How many tagged images the ECR lifecycle policy keeps"
  type        = number
  default     = 10
}
