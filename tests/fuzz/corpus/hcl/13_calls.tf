locals {
  a = length( var.list )
  b = merge(var.a,var.b,{c = 1})
  c = concat(var.lists...)
  d = format("%s-%s",var.a,var.b)
  e = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect = "Allow"
      Action = ["s3:GetObject"]
    }]
  })
  f = cidrsubnet(var.cidr,8,count.index)
}
