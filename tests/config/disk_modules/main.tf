# A small two-tier stack on disk: network and compute modules.
variable "region" {
  type    = string
  default = "eu-north-1"
}

variable "public_subnets" {
  type    = list(string)
  default = ["10.0.1.0/24", "10.0.2.0/24"]
}

provider "aws" {
  region = var.region
}

module "network" {
  source         = "./modules/network"
  cidr           = "10.0.0.0/16"
  public_subnets = var.public_subnets
}

module "compute" {
  source     = "./modules/compute"
  subnet_ids = module.network.subnet_ids
  vpc_id     = module.network.vpc_id
}

output "subnet_count" {
  value = length(module.network.subnet_ids)
}

output "user_data_lines" {
  value = module.compute.user_data_lines
}
