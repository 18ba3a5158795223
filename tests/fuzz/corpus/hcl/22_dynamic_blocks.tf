resource "aws_security_group" "this" {
  name = "sg"
  dynamic "ingress" {
    for_each = var.rules
    iterator = rule
    content {
      from_port = rule.value.from
      to_port = rule.value.to
      protocol = rule.value.proto
    }
  }
}
