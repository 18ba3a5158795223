terraform {
  backend "s3" {}
}
locals { a = 1 }
provider "aws" {   region = "eu-north-1"   }
empty {}
