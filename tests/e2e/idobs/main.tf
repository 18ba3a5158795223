# A small configuration of the IAM, ECR, CloudWatch, SNS, DynamoDB and random
# types and two data sources, for tests/e2e/aws_idobs_apply.sh.
variable "role_tag" {
  type    = string
  default = "app"
}

provider "aws" {
  region = "eu-north-1"
  default_tags {
    tags = { Project = "idobs" }
  }
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "random_id" "suffix" {
  byte_length = 4
}

resource "aws_iam_role" "app" {
  name               = "idobs-app-${random_id.suffix.hex}"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = { Name = var.role_tag }
}

resource "aws_iam_role_policy_attachment" "ssm" {
  role       = aws_iam_role.app.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_instance_profile" "app" {
  name = "idobs-app"
  role = aws_iam_role.app.name
}

resource "aws_ecr_repository" "app" {
  name                 = "idobs/app"
  image_tag_mutability = "MUTABLE"
  force_delete         = true
  image_scanning_configuration {
    scan_on_push = true
  }
}

resource "aws_ecr_lifecycle_policy" "app" {
  repository = aws_ecr_repository.app.name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "keep 10"
      selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = 10 }
      action       = { type = "expire" }
    }]
  })
}

resource "aws_cloudwatch_log_group" "app" {
  name              = "/idobs/app"
  retention_in_days = 30
}

resource "aws_sns_topic" "alarms" {
  name = "idobs-alarms"
}

resource "aws_sns_topic_subscription" "email" {
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = "ops@example.com"
}

resource "aws_cloudwatch_metric_alarm" "cpu" {
  alarm_name          = "idobs-cpu"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 2
  metric_name         = "CPUUtilization"
  namespace           = "AWS/EC2"
  period              = 120
  statistic           = "Average"
  threshold           = 80
  alarm_actions       = [aws_sns_topic.alarms.arn]
  dimensions          = { AutoScalingGroupName = "web" }
}

resource "aws_cloudwatch_dashboard" "main" {
  dashboard_name = "idobs"
  dashboard_body = jsonencode({
    widgets = [{ type = "text", x = 0, y = 0, width = 6, height = 3, properties = { markdown = "hi" } }]
  })
}

resource "random_password" "db" {
  length  = 20
  special = false
}

resource "aws_dynamodb_table" "locks" {
  name         = "idobs-locks"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "LockID"
  attribute {
    name = "LockID"
    type = "S"
  }
}

output "repo_url" { value = aws_ecr_repository.app.repository_url }
output "role_arn" { value = aws_iam_role.app.arn }
