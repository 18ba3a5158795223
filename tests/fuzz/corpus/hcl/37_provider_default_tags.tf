provider "aws" {
  region = var.region
  alias = "eu"
  default_tags {
    tags = {
      Project = "startech"
      ManagedBy = "stk"
    }
  }
  assume_role {
    role_arn = "arn:aws:iam::123456789012:role/deploy"
  }
}
