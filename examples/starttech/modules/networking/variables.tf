variable "name_prefix" {
  type = string
}

variable "vpc_cidr" {
  type = string
}

variable "availability_zones" {
  description = "AZs to place one subnet of each tier in"
  type        = list(string)
}
