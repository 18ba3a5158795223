# ElastiCache subnet group, parameter group, replication group and a memcached
# cluster in a VPC of two subnets, plus the managed cache policy data source,
# for tests/e2e/aws_idobs_apply.sh.
provider "aws" {
  region = "eu-north-1"
  default_tags {
    tags = { Project = "idobs" }
  }
}
resource "aws_vpc" "main" {
  cidr_block = "10.50.0.0/16"
}
resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.50.1.0/24"
  availability_zone = "eu-north-1a"
}
resource "aws_subnet" "b" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.50.2.0/24"
  availability_zone = "eu-north-1b"
}
resource "aws_elasticache_subnet_group" "redis" {
  name       = "idobs-redis"
  subnet_ids = [aws_subnet.a.id, aws_subnet.b.id]
}
resource "aws_elasticache_parameter_group" "redis" {
  name   = "idobs-redis7"
  family = "redis7"
  parameter {
    name  = "maxmemory-policy"
    value = "allkeys-lru"
  }
}
resource "aws_elasticache_replication_group" "redis" {
  replication_group_id       = "idobs-redis"
  description                = "sessions"
  node_type                  = "cache.t3.micro"
  num_cache_clusters         = 2
  port                       = 6379
  parameter_group_name       = aws_elasticache_parameter_group.redis.name
  subnet_group_name          = aws_elasticache_subnet_group.redis.name
  automatic_failover_enabled = true
  engine_version             = "7.0"
}
resource "aws_elasticache_cluster" "memcached" {
  cluster_id        = "idobs-mc"
  engine            = "memcached"
  node_type         = "cache.t3.micro"
  num_cache_nodes   = 1
  port              = 11211
  subnet_group_name = aws_elasticache_subnet_group.redis.name
}
data "aws_cloudfront_cache_policy" "optimized" {
  name = "Managed-CachingOptimized"
}
output "redis" { value = aws_elasticache_replication_group.redis.primary_endpoint_address }
output "mc" { value = aws_elasticache_cluster.memcached.cache_nodes[0].address }
output "cp" { value = data.aws_cloudfront_cache_policy.optimized.id }
