locals {
  name_prefix        = "${var.project_name}-${var.environment}"
  app_log_group_name = "/${var.project_name}/${var.environment}/app"

  common_tags = {
    Project     = var.project_name
    Environment = var.environment
    ManagedBy   = "stk"
  }
}

data "aws_availability_zones" "available" {
  state = "available"
}

data "aws_caller_identity" "current" {}

data "aws_ami" "amazon_linux" {
  most_recent = true
  owners      = ["amazon"]

  filter {
    name   = "name"
    values = ["al2023-ami-*-x86_64"]
  }

  filter {
    name   = "virtualization-type"
    values = ["hvm"]
  }
}

module "networking" {
  source = "./modules/networking"

  name_prefix        = local.name_prefix
  vpc_cidr           = var.vpc_cidr
  availability_zones = slice(data.aws_availability_zones.available.names, 0, var.az_count)
}

module "compute" {
  source = "./modules/compute"

  name_prefix           = local.name_prefix
  vpc_id                = module.networking.vpc_id
  public_subnet_ids     = module.networking.public_subnet_ids
  app_subnet_ids        = module.networking.private_app_subnet_ids
  data_subnet_ids       = module.networking.private_data_subnet_ids
  alb_security_group_id = module.networking.alb_security_group_id
  app_security_group_id = module.networking.app_security_group_id
  db_security_group_id  = module.networking.mongodb_security_group_id
  ami_id                = data.aws_ami.amazon_linux.id
  instance_type         = var.instance_type
  mongodb_instance_type = var.mongodb_instance_type
  asg_capacity          = var.asg_capacity
  app_log_group_name    = local.app_log_group_name
  ecr_repository_url    = aws_ecr_repository.backend.repository_url
  redis_endpoint        = module.caching.endpoint
  frontend_bucket_arn   = module.storage.bucket_arn
}

module "caching" {
  source = "./modules/caching"

  name_prefix       = local.name_prefix
  subnet_ids        = module.networking.private_data_subnet_ids
  security_group_id = module.networking.redis_security_group_id
  node_type         = var.redis_node_type
}

module "storage" {
  source = "./modules/storage"

  # bucket and CloudFront names are global: with the region in them a copy
  # of the stack in another region (stk dr redeploy) does not collide
  name_prefix = "${local.name_prefix}-${var.aws_region}"
  account_id  = data.aws_caller_identity.current.account_id
}

module "monitoring" {
  source = "./modules/monitoring"

  name_prefix        = local.name_prefix
  aws_region         = var.aws_region
  app_log_group_name = local.app_log_group_name
  log_retention_days = var.log_retention_days
  alarm_email        = var.alarm_email
  asg_name           = module.compute.asg_name
  alb_arn_suffix     = module.compute.alb_arn_suffix
  redis_cluster_id   = module.caching.cluster_id
  mongodb_instance   = module.compute.mongodb_instance_id
}

resource "aws_ecr_repository" "backend" {
  name                 = "${local.name_prefix}-backend"
  image_tag_mutability = "MUTABLE"
  force_delete         = var.environment != "prod"

  image_scanning_configuration {
    scan_on_push = true
  }
}

resource "aws_ecr_lifecycle_policy" "backend" {
  repository = aws_ecr_repository.backend.name

  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Keep the last ${var.ecr_keep_images} tagged images"
        selection = {
          tagStatus     = "tagged"
          tagPrefixList = ["v"]
          countType     = "imageCountMoreThan"
          countNumber   = var.ecr_keep_images
        }
        action = {
          type = "expire"
        }
      },
      {
        rulePriority = 2
        description  = "Expire untagged images after 7 days"
        selection = {
          tagStatus   = "untagged"
          countType   = "sinceImagePushed"
          countUnit   = "days"
          countNumber = 7
        }
        action = {
          type = "expire"
        }
      }
    ]
  })
}
