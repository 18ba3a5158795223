locals {
  s = <<-EOT
    %{~ if var.x ~}
    yes
    %{~ else ~}
    no
    %{~ endif ~}
  EOT
}
