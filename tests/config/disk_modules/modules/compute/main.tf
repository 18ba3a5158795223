variable "subnet_ids" {
  type = list(string)
}

variable "vpc_id" {
  type = string
}

resource "aws_security_group" "app" {
  name   = "app"
  vpc_id = var.vpc_id
}

resource "aws_launch_template" "app" {
  name_prefix   = "app-"
  image_id      = "ami-12345678"
  instance_type = "t3.micro"
  user_data     = base64encode(file("${path.module}/user_data.sh"))
}

resource "aws_autoscaling_group" "app" {
  min_size            = 2
  max_size            = 4
  desired_capacity    = 2
  vpc_zone_identifier = var.subnet_ids
  launch_template {
    id      = aws_launch_template.app.id
    version = "$Latest"
  }
}

output "user_data_lines" {
  value = length(split("\n", trimspace(file("${path.module}/user_data.sh"))))
}
