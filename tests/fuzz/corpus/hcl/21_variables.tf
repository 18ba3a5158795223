variable "region" {
  type = string
  default = "eu-north-1"
  description = "AWS region"
}

variable "subnets" {
  type = list(object({
    cidr = string
    az = string
    public = optional(bool, false)
  }))
  default = []
}

variable "tags" {
  type = map(string)
  default = {}
  validation {
    condition = length(var.tags) < 50
    error_message = "Too many tags."
  }
}
