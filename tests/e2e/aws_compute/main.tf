# A small compute stack for tests/e2e/aws_compute_apply.sh, written as the
# StartTech compute module writes it: ALB + target group + listener (+ a
# rule), launch template, auto scaling group with dynamic tag blocks and a
# target tracking policy, a MongoDB-style instance with root_block_device
# and user_data, a key pair; default_tags on the provider.
provider "aws" {
  region = "eu-north-1"
  default_tags {
    tags = { Project = "ct" }
  }
}

variable "public_key" { type = string }
variable "instance_type" {
  type    = string
  default = "t3.micro"
}
variable "tg_path" {
  type    = string
  default = "/health"
}

data "aws_availability_zones" "az" {
  state = "available"
}

data "aws_ami" "al2" {
  most_recent = true
  owners      = ["amazon"]
  filter {
    name   = "architecture"
    values = ["x86_64"]
  }
}

resource "aws_vpc" "main" {
  cidr_block = "10.20.0.0/16"
  tags       = { Name = "ct" }
}

resource "aws_subnet" "public" {
  count             = 2
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.20.${count.index}.0/24"
  availability_zone = data.aws_availability_zones.az.names[count.index]
}

resource "aws_security_group" "alb" {
  name   = "ct-alb"
  vpc_id = aws_vpc.main.id
  ingress {
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_iam_role" "app" {
  name = "ct-app-role"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" } }]
  })
}

resource "aws_iam_instance_profile" "app" {
  name = "ct-app-profile"
  role = aws_iam_role.app.name
}

resource "aws_lb" "app" {
  name                       = "ct-alb"
  internal                   = false
  load_balancer_type         = "application"
  security_groups            = [aws_security_group.alb.id]
  subnets                    = aws_subnet.public[*].id
  enable_deletion_protection = false
  tags                       = { Name = "ct-alb" }
}

resource "aws_lb_target_group" "app" {
  name     = "ct-tg"
  port     = 8080
  protocol = "HTTP"
  vpc_id   = aws_vpc.main.id

  health_check {
    enabled             = true
    path                = var.tg_path
    port                = "traffic-port"
    healthy_threshold   = 2
    unhealthy_threshold = 3
    interval            = 30
    timeout             = 5
    matcher             = "200"
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.app.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }
}

resource "aws_lb_listener_rule" "maintenance" {
  listener_arn = aws_lb_listener.http.arn
  priority     = 10
  action {
    type = "fixed-response"
    fixed_response {
      content_type = "text/plain"
      message_body = "maintenance"
      status_code  = "503"
    }
  }
  condition {
    path_pattern {
      values = ["/maintenance"]
    }
  }
}

resource "aws_launch_template" "app" {
  name_prefix   = "ct-app-"
  image_id      = data.aws_ami.al2.id
  instance_type = var.instance_type

  iam_instance_profile {
    name = aws_iam_instance_profile.app.name
  }

  vpc_security_group_ids = [aws_security_group.alb.id]
  user_data              = base64encode("#!/bin/bash\necho app\n")

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size = 20
      volume_type = "gp3"
      encrypted   = true
    }
  }

  tag_specifications {
    resource_type = "instance"
    tags = {
      Name = "ct-app"
      Role = "app"
    }
  }
}

resource "aws_autoscaling_group" "app" {
  name                      = "ct-asg"
  min_size                  = 2
  max_size                  = 4
  desired_capacity          = 2
  vpc_zone_identifier       = aws_subnet.public[*].id
  target_group_arns         = [aws_lb_target_group.app.arn]
  health_check_type         = "ELB"
  health_check_grace_period = 300

  launch_template {
    id      = aws_launch_template.app.id
    version = "$Latest"
  }

  dynamic "tag" {
    for_each = {
      Name = "ct-app"
      Role = "app"
    }
    content {
      key                 = tag.key
      value               = tag.value
      propagate_at_launch = true
    }
  }
}

resource "aws_autoscaling_policy" "cpu_target" {
  name                   = "ct-cpu-target"
  autoscaling_group_name = aws_autoscaling_group.app.name
  policy_type            = "TargetTrackingScaling"

  target_tracking_configuration {
    predefined_metric_specification {
      predefined_metric_type = "ASGAverageCPUUtilization"
    }
    target_value = 60
  }
}

resource "aws_key_pair" "ops" {
  key_name   = "ct-ops"
  public_key = var.public_key
}

resource "aws_instance" "mongodb" {
  ami                    = data.aws_ami.al2.id
  instance_type          = "t3.small"
  subnet_id              = aws_subnet.public[0].id
  vpc_security_group_ids = [aws_security_group.alb.id]
  iam_instance_profile   = aws_iam_instance_profile.app.name
  key_name               = aws_key_pair.ops.key_name
  user_data              = "#!/bin/bash\necho mongo\n"
  monitoring             = true

  root_block_device {
    volume_size = 30
    volume_type = "gp3"
    encrypted   = true
  }

  tags = {
    Name = "ct-mongodb"
    Role = "database"
  }
}

output "alb_dns_name" { value = aws_lb.app.dns_name }
output "alb_arn_suffix" { value = aws_lb.app.arn_suffix }
output "mongodb_private_ip" { value = aws_instance.mongodb.private_ip }
output "lt_latest_version" { value = aws_launch_template.app.latest_version }
