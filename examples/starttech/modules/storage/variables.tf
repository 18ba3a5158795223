variable "name_prefix" {
  type = string
}

variable "account_id" {
  description = "Account id, to make the bucket name globally unique"
  type        = string
}

variable "price_class" {
  type    = string
  default = "PriceClass_100"
}
