output "app_log_group_name" {
  value = aws_cloudwatch_log_group.this["app"].name
}

output "alarm_topic_arn" {
  value = aws_sns_topic.alarms.arn
}

output "alarm_names" {
  value = sort([for a in aws_cloudwatch_metric_alarm.this : a.alarm_name])
}
