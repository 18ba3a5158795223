locals {
  log_groups = {
    app     = var.app_log_group_name
    mongodb = "/${var.name_prefix}/mongodb"
  }

  alarms = {
    app-cpu-high = {
      namespace   = "AWS/EC2"
      metric      = "CPUUtilization"
      statistic   = "Average"
      threshold   = 80
      dimensions  = { AutoScalingGroupName = var.asg_name }
      description = "Average CPU of the application servers above 80%"
    }
    alb-5xx = {
      namespace   = "AWS/ApplicationELB"
      metric      = "HTTPCode_Target_5XX_Count"
      statistic   = "Sum"
      threshold   = 10
      dimensions  = { LoadBalancer = var.alb_arn_suffix }
      description = "More than 10 target 5xx responses in 5 minutes"
    }
    redis-cpu-high = {
      namespace   = "AWS/ElastiCache"
      metric      = "CPUUtilization"
      statistic   = "Average"
      threshold   = 75
      dimensions  = { CacheClusterId = var.redis_cluster_id }
      description = "Redis CPU above 75%"
    }
    mongodb-status = {
      namespace   = "AWS/EC2"
      metric      = "StatusCheckFailed"
      statistic   = "Maximum"
      threshold   = 0
      dimensions  = { InstanceId = var.mongodb_instance }
      description = "MongoDB instance failing its status checks"
    }
  }
}

resource "aws_cloudwatch_log_group" "this" {
  for_each = local.log_groups

  name              = each.value
  retention_in_days = var.log_retention_days

  tags = {
    Component = each.key
  }
}

resource "aws_sns_topic" "alarms" {
  name = "${var.name_prefix}-alarms"
}

resource "aws_sns_topic_subscription" "email" {
  count = var.alarm_email == "" ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${var.name_prefix}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  statistic           = each.value.statistic
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.threshold
  period              = 300
  evaluation_periods  = 2
  dimensions          = each.value.dimensions
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_dashboard" "main" {
  dashboard_name = "${var.name_prefix}-overview"

  dashboard_body = jsonencode({
    widgets = [
      {
        type   = "metric"
        x      = 0
        y      = 0
        width  = 12
        height = 6
        properties = {
          title   = "Application CPU"
          region  = var.aws_region
          stat    = "Average"
          period  = 300
          metrics = [["AWS/EC2", "CPUUtilization", "AutoScalingGroupName", var.asg_name]]
        }
      },
      {
        type   = "metric"
        x      = 12
        y      = 0
        width  = 12
        height = 6
        properties = {
          title  = "ALB requests and 5xx"
          region = var.aws_region
          stat   = "Sum"
          period = 300
          metrics = [
            ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", var.alb_arn_suffix],
            [".", "HTTPCode_Target_5XX_Count", ".", "."]
          ]
        }
      },
      {
        type   = "metric"
        x      = 0
        y      = 6
        width  = 12
        height = 6
        properties = {
          title   = "Redis CPU"
          region  = var.aws_region
          stat    = "Average"
          period  = 300
          metrics = [["AWS/ElastiCache", "CPUUtilization", "CacheClusterId", var.redis_cluster_id]]
        }
      }
    ]
  })
}
