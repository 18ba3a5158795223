terraform {
required_version = ">= 1.5"
  required_providers {
  aws = {
  source = "hashicorp/aws"
  version = "~> 5.0"
  }
  }
}

locals {
  name = "${var.project}-${terraform.workspace}"
  subnets = {for i, cidr in var.cidrs : "subnet-${i}" => {cidr = cidr, az = var.azs[i % length(var.azs)]}}
  flat = flatten([for k, v in var.m : [for x in v : "${k}/${x}"]])
}
