module "network" {
  source = "./modules/network"
  cidr = var.cidr
  azs = ["eu-north-1a","eu-north-1b"]
  count = var.enabled ? 1 : 0
  providers = {
    aws = aws.eu
  }
  depends_on = [aws_iam_role.r]
}
