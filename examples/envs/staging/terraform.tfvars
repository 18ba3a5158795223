aws_region         = "eu-north-1"
vpc_cidr           = "10.20.0.0/16"
availability_zones = ["eu-north-1a", "eu-north-1b"]
