resource "aws_autoscaling_group" "asg" {
  min_size = 2
  max_size = 4
  desired_capacity = 2
  lifecycle {
    ignore_changes = [desired_capacity,tags]
    prevent_destroy = true
  }
  tag {
    key = "Name"
    value = "web"
    propagate_at_launch = true
  }
}
