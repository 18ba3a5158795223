resource "aws_subnet" "public" {
  count = length(var.public_cidrs)
  vpc_id = aws_vpc.main.id
  cidr_block = var.public_cidrs[count.index]
  availability_zone = element(var.azs,count.index)
  tags = merge(var.tags,{Name = "public-${count.index}"})
}
