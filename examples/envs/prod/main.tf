# examples/envs/prod: the prod environment of the StartTech network.  Every
# environment is a small root module that shares the StartTech modules and
# differs only in its terraform.tfvars.  From the examples/ directory:
#   stk plan -env prod        (configuration envs/prod, workspace "prod")
# See docs/environments.md.

provider "aws" {
  region = var.aws_region
  default_tags {
    tags = {
      Environment = terraform.workspace
    }
  }
}

variable "aws_region" {
  type = string
}

variable "vpc_cidr" {
  type = string
}

variable "availability_zones" {
  type = list(string)
}

module "networking" {
  source = "../../starttech/modules/networking"

  name_prefix        = "starttech-${terraform.workspace}"
  vpc_cidr           = var.vpc_cidr
  availability_zones = var.availability_zones
}

output "vpc_id" {
  value = module.networking.vpc_id
}

output "public_subnet_ids" {
  value = module.networking.public_subnet_ids
}
