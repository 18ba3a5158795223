resource "x" "y" {
  nested {
    script = <<-EOT
      line1
        line2
    EOT
    after = true
  }
}
