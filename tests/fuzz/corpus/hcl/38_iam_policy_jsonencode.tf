resource "aws_iam_policy" "p" {
  name = "p"
  policy = jsonencode({
  Version = "2012-10-17"
  Statement = [
  {
  Effect = "Allow"
  Action = ["s3:GetObject","s3:PutObject"]
  Resource = ["${aws_s3_bucket.b.arn}/*"]
  },
  ]
  })
}
