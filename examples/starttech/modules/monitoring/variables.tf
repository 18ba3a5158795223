variable "name_prefix" {
  type = string
}

variable "aws_region" {
  type = string
}

variable "app_log_group_name" {
  type = string
}

variable "log_retention_days" {
  type    = number
  default = 30
}

variable "alarm_email" {
  type    = string
  default = ""
}

variable "asg_name" {
  type = string
}

variable "alb_arn_suffix" {
  type = string
}

variable "redis_cluster_id" {
  type = string
}

variable "mongodb_instance" {
  type = string
}
