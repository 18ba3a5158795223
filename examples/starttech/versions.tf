terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }

  # Remote state: uncomment after `stk backend bootstrap` (or the runbook's
  # bootstrap script) has created the bucket and the lock table.
  # backend "s3" {
  #   bucket         = "starttech-terraform-state"
  #   key            = "starttech/terraform.tfstate"
  #   region         = "eu-north-1"
  #   dynamodb_table = "starttech-terraform-locks"
  #   encrypt        = true
  # }
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = local.common_tags
  }
}
