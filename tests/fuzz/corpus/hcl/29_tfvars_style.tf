region="eu-north-1"
instance_type   =   "t3.micro"
azs=["eu-north-1a", "eu-north-1b"]
tags={
Project="startech"
Owner="ops"
}
