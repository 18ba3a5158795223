variable "env" {
  type = string
}

variable "instance_count" {
  type    = number
  default = 1
}

variable "tags" {
  type    = map(string)
  default = {}
}

output "env" {
  value = var.env
}

output "instance_count" {
  value = var.instance_count
}

output "tags" {
  value = var.tags
}
