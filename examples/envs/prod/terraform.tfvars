aws_region         = "eu-north-1"
vpc_cidr           = "10.30.0.0/16"
availability_zones = ["eu-north-1a", "eu-north-1b", "eu-north-1c"]
