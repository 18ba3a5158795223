#!/usr/bin/env python3
"""Generate a large synthetic configuration for the parse/evaluate/validate benchmark.

Usage: gen_config.py OUTDIR [RESOURCES]   (default 10000)

The configuration uses what real stacks use: a child module instantiated many
times with for_each, count inside it, string interpolation, cidrsubnet(),
jsonencode(), locals, cross-resource references and outputs.  Resource types
are real aws types so validate checks them against the registry.
"""
import os
import sys

out = sys.argv[1]
total = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
per_module = 20           # resources per module instance (see below)
modules = total // per_module
os.makedirs(os.path.join(out, "modules", "tier"), exist_ok=True)

with open(os.path.join(out, "main.tf"), "w") as f:
    f.write('''provider "aws" {
  region = var.region
}

variable "region" {
  type    = string
  default = "eu-north-1"
}

variable "base_cidr" {
  type    = string
  default = "10.0.0.0/8"
}

locals {
  tiers = { for i in range(%d) : format("t%%04d", i) => i }
  common_tags = {
    Project = "bench"
    Owner   = "stk"
  }
}

resource "aws_vpc" "root" {
  cidr_block = var.base_cidr
  tags       = local.common_tags
}

module "tier" {
  source   = "./modules/tier"
  for_each = local.tiers

  name   = each.key
  index  = each.value
  vpc_id = aws_vpc.root.id
  cidr   = cidrsubnet(var.base_cidr, 8, each.value %% 256)
  tags   = merge(local.common_tags, { Tier = each.key })
}

output "tier_subnets" {
  value = { for k, m in module.tier : k => m.subnet_ids }
}
''' % modules)

# 20 resources per module instance: 8 subnets (count), 8 route table
# associations (count), 1 route table, 1 security group, 1 role, 1 log group.
with open(os.path.join(out, "modules", "tier", "main.tf"), "w") as f:
    f.write('''variable "name" {
  type = string
}

variable "index" {
  type = number
}

variable "vpc_id" {
  type = string
}

variable "cidr" {
  type = string
}

variable "tags" {
  type    = map(string)
  default = {}
}

locals {
  subnet_count = 8
  prefix       = "bench-${var.name}"
}

resource "aws_subnet" "this" {
  count = local.subnet_count

  vpc_id            = var.vpc_id
  cidr_block        = cidrsubnet(var.cidr, 8, count.index)
  availability_zone = "eu-north-1${element(["a", "b", "c"], count.index)}"
  tags              = merge(var.tags, { Name = "${local.prefix}-${count.index}" })
}

resource "aws_route_table" "this" {
  vpc_id = var.vpc_id
  tags   = merge(var.tags, { Name = "${local.prefix}-rt" })
}

resource "aws_route_table_association" "this" {
  count = local.subnet_count

  subnet_id      = aws_subnet.this[count.index].id
  route_table_id = aws_route_table.this.id
}

resource "aws_security_group" "this" {
  name   = "${local.prefix}-sg"
  vpc_id = var.vpc_id

  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [for s in aws_subnet.this : s.cidr_block]
  }
}

resource "aws_iam_role" "this" {
  name = "${local.prefix}-role"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" } }]
  })
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/bench/${var.name}"
  retention_in_days = 30
  tags              = var.tags
}

output "subnet_ids" {
  value = aws_subnet.this[*].id
}
''')
print("wrote %d module instances x %d resources + 1 = %d resources to %s"
      % (modules, per_module, modules * per_module + 1, out))
