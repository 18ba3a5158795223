resource "aws_s3_bucket" "b" {
  for_each = toset(var.names)
  bucket = "${var.prefix}-${each.key}"
  tags = { Name = each.value }
}
