/* test_protocol_query.c - the ec2 and query protocols: exact request bodies
 * (expected strings follow botocore's serializers for the same params) and
 * parsing of responses saved from moto, errors included. */
#include "test.h"
#include "tests/protocol/proto_test.h"

#define FORM "application/x-www-form-urlencoded; charset=utf-8"

static void check_form(const char *svc, const char *op, const char *params, const char *want)
{
    stk_aws_request req;
    int rc = pt_ser(svc, op, params, &req);
    CHECK_INT(rc, 0);
    if (rc != 0) return;
    CHECK_STR(req.method, "POST");
    CHECK_STR(req.path, "/");
    CHECK(req.query == NULL);
    CHECK_STR(pt_header(&req, "Content-Type"), FORM);
    CHECK_STR(pt_body(&req), want);
    CHECK_INT(req.body_len, strlen(want));
    stk_aws_request_clear(&req);
}

static void ec2_create_vpc_with_tags(void)
{
    check_form("ec2", "CreateVpc",
               "{\"CidrBlock\":\"10.0.0.0/16\",\"AmazonProvidedIpv6CidrBlock\":false,\"TagSpecifications\":[{"
               "\"ResourceType\":\"vpc\",\"Tags\":[{\"Key\":\"Name\",\"Value\":\"main vpc\"},{\"Key\":\"env\","
               "\"Value\":\"prod\"}]}]}",
               "Action=CreateVpc&Version=2016-11-15&CidrBlock=10.0.0.0%2F16&AmazonProvidedIpv6CidrBlock=false"
               "&TagSpecification.1.ResourceType=vpc&TagSpecification.1.Tag.1.Key=Name"
               "&TagSpecification.1.Tag.1.Value=main+vpc&TagSpecification.1.Tag.2.Key=env"
               "&TagSpecification.1.Tag.2.Value=prod");
}

static void ec2_run_instances_location_names(void)
{
    check_form("ec2", "RunInstances",
               "{\"ImageId\":\"ami-123\",\"InstanceType\":\"t3.micro\",\"MinCount\":1,\"MaxCount\":1,"
               "\"SecurityGroupIds\":[\"sg-1\",\"sg-2\"],\"SubnetId\":\"subnet-1\",\"UserData\":\"IyEvYmluL3NoCg==\","
               "\"IamInstanceProfile\":{\"Name\":\"prof\"},\"BlockDeviceMappings\":[{\"DeviceName\":\"/dev/xvda\","
               "\"Ebs\":{\"VolumeSize\":20,\"VolumeType\":\"gp3\",\"DeleteOnTermination\":true}}],"
               "\"ClientToken\":\"tok-1\",\"Monitoring\":{\"Enabled\":true}}",
               "Action=RunInstances&Version=2016-11-15&ImageId=ami-123&InstanceType=t3.micro&MinCount=1&MaxCount=1"
               "&SecurityGroupId.1=sg-1&SecurityGroupId.2=sg-2&SubnetId=subnet-1&UserData=IyEvYmluL3NoCg%3D%3D"
               "&IamInstanceProfile.Name=prof&BlockDeviceMapping.1.DeviceName=%2Fdev%2Fxvda"
               "&BlockDeviceMapping.1.Ebs.VolumeSize=20&BlockDeviceMapping.1.Ebs.VolumeType=gp3"
               "&BlockDeviceMapping.1.Ebs.DeleteOnTermination=true&ClientToken=tok-1&Monitoring.Enabled=true");
}

static void ec2_query_names_and_filters(void)
{
    /* IpRanges/Groups: queryName and capitalised locationName rules */
    check_form("ec2", "AuthorizeSecurityGroupIngress",
               "{\"GroupId\":\"sg-1\",\"IpPermissions\":[{\"IpProtocol\":\"tcp\",\"FromPort\":443,\"ToPort\":443,"
               "\"IpRanges\":[{\"CidrIp\":\"0.0.0.0/0\",\"Description\":\"https\"}],\"UserIdGroupPairs\":[{"
               "\"GroupId\":\"sg-2\"}]}]}",
               "Action=AuthorizeSecurityGroupIngress&Version=2016-11-15&GroupId=sg-1&IpPermissions.1.IpProtocol=tcp"
               "&IpPermissions.1.FromPort=443&IpPermissions.1.ToPort=443&IpPermissions.1.IpRanges.1.CidrIp=0.0.0.0%2F0"
               "&IpPermissions.1.IpRanges.1.Description=https&IpPermissions.1.Groups.1.GroupId=sg-2");
    check_form("ec2", "DescribeSubnets",
               "{\"Filters\":[{\"Name\":\"vpc-id\",\"Values\":[\"vpc-1\"]}],\"SubnetIds\":[\"subnet-1\",\"subnet-2\"]}",
               "Action=DescribeSubnets&Version=2016-11-15&Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-1"
               "&SubnetId.1=subnet-1&SubnetId.2=subnet-2");
}

static void ec2_client_token_filled(void)
{
    stk_aws_request req;
    CHECK_INT(pt_ser("ec2", "CreateNatGateway", "{\"SubnetId\":\"subnet-1\",\"AllocationId\":\"eipalloc-1\"}", &req), 0);
    const char *tok = strstr(pt_body(&req), "ClientToken=");
    CHECK(tok != NULL);
    if (tok) {
        tok += strlen("ClientToken=");
        size_t n = strcspn(tok, "&");
        CHECK_INT(n, 36);   /* a UUID, as botocore generates */
        CHECK(tok[8] == '-' && tok[14] == '4');
    }
    stk_aws_request_clear(&req);
    CHECK(stk_aws_operation_retry_safe("ec2", "CreateNatGateway"));
    CHECK(!stk_aws_operation_retry_safe("ec2", "CreateVpc"));
    CHECK(stk_aws_operation_retry_safe("ec2", "DescribeVpcs"));
    CHECK(stk_aws_operation_retry_safe("ec2", "DeleteVpc"));
    CHECK(stk_aws_operation_retry_safe("ec2", "RunInstances"));        /* ClientToken */
    CHECK(!stk_aws_operation_retry_safe("ec2", "AllocateAddress"));
    CHECK(!stk_aws_operation_retry_safe("sns", "Publish"));
    CHECK(stk_aws_operation_retry_safe("cloudfront", "CreateDistribution"));   /* CallerReference */
    CHECK(!stk_aws_operation_retry_safe("cloudfront", "CreateOriginAccessControl"));
}

static void query_elbv2_autoscaling(void)
{
    check_form("elbv2", "CreateLoadBalancer",
               "{\"Name\":\"web\",\"Subnets\":[\"subnet-a\",\"subnet-b\"],\"SecurityGroups\":[\"sg-1\"],\"Scheme\":"
               "\"internet-facing\",\"Type\":\"application\",\"Tags\":[{\"Key\":\"Name\",\"Value\":\"web\"}]}",
               "Action=CreateLoadBalancer&Version=2015-12-01&Name=web&Subnets.member.1=subnet-a"
               "&Subnets.member.2=subnet-b&SecurityGroups.member.1=sg-1&Scheme=internet-facing&Type=application"
               "&Tags.member.1.Key=Name&Tags.member.1.Value=web");
    check_form("elbv2", "CreateTargetGroup",
               "{\"Name\":\"tg\",\"Protocol\":\"HTTP\",\"Port\":80,\"VpcId\":\"vpc-1\",\"HealthCheckPath\":\"/health\","
               "\"Matcher\":{\"HttpCode\":\"200\"}}",
               "Action=CreateTargetGroup&Version=2015-12-01&Name=tg&Protocol=HTTP&Port=80&VpcId=vpc-1"
               "&HealthCheckPath=%2Fhealth&Matcher.HttpCode=200");
    check_form("elbv2", "SetSecurityGroups", "{\"LoadBalancerArn\":\"arn:lb\",\"SecurityGroups\":[]}",
               "Action=SetSecurityGroups&Version=2015-12-01&LoadBalancerArn=arn%3Alb&SecurityGroups=");
    check_form("autoscaling", "CreateAutoScalingGroup",
               "{\"AutoScalingGroupName\":\"asg\",\"LaunchTemplate\":{\"LaunchTemplateId\":\"lt-1\",\"Version\":"
               "\"$Latest\"},\"MinSize\":2,\"MaxSize\":4,\"DesiredCapacity\":2,\"VPCZoneIdentifier\":"
               "\"subnet-a,subnet-b\",\"TargetGroupARNs\":[\"arn:tg\"],\"HealthCheckType\":\"ELB\","
               "\"HealthCheckGracePeriod\":300,\"Tags\":[{\"Key\":\"Name\",\"Value\":\"app\",\"PropagateAtLaunch\":true}]}",
               "Action=CreateAutoScalingGroup&Version=2011-01-01&AutoScalingGroupName=asg"
               "&LaunchTemplate.LaunchTemplateId=lt-1&LaunchTemplate.Version=%24Latest&MinSize=2&MaxSize=4"
               "&DesiredCapacity=2&VPCZoneIdentifier=subnet-a%2Csubnet-b&TargetGroupARNs.member.1=arn%3Atg"
               "&HealthCheckType=ELB&HealthCheckGracePeriod=300&Tags.member.1.Key=Name&Tags.member.1.Value=app"
               "&Tags.member.1.PropagateAtLaunch=true");
}

static void query_monitoring_sns_iam_elasticache(void)
{
    check_form("monitoring", "PutMetricAlarm",
               "{\"AlarmName\":\"cpu\",\"MetricName\":\"CPUUtilization\",\"Namespace\":\"AWS/EC2\",\"Statistic\":"
               "\"Average\",\"Period\":300,\"EvaluationPeriods\":2,\"Threshold\":80.5,\"ComparisonOperator\":"
               "\"GreaterThanThreshold\",\"Dimensions\":[{\"Name\":\"AutoScalingGroupName\",\"Value\":\"asg\"}],"
               "\"AlarmActions\":[\"arn:sns\"]}",
               "Action=PutMetricAlarm&Version=2010-08-01&AlarmName=cpu&MetricName=CPUUtilization&Namespace=AWS%2FEC2"
               "&Statistic=Average&Period=300&EvaluationPeriods=2&Threshold=80.5"
               "&ComparisonOperator=GreaterThanThreshold&Dimensions.member.1.Name=AutoScalingGroupName"
               "&Dimensions.member.1.Value=asg&AlarmActions.member.1=arn%3Asns");
    check_form("sns", "CreateTopic",
               "{\"Name\":\"alarms\",\"Attributes\":{\"DisplayName\":\"Alarms\",\"FifoTopic\":\"false\"},\"Tags\":[{"
               "\"Key\":\"env\",\"Value\":\"prod\"}]}",
               "Action=CreateTopic&Version=2010-03-31&Name=alarms&Attributes.entry.1.key=DisplayName"
               "&Attributes.entry.1.value=Alarms&Attributes.entry.2.key=FifoTopic&Attributes.entry.2.value=false"
               "&Tags.member.1.Key=env&Tags.member.1.Value=prod");
    check_form("iam", "CreateRole",
               "{\"RoleName\":\"app\",\"AssumeRolePolicyDocument\":\"{\\\"Version\\\":\\\"2012-10-17\\\"}\",\"Tags\":"
               "[{\"Key\":\"a\",\"Value\":\"b\"}]}",
               "Action=CreateRole&Version=2010-05-08&RoleName=app"
               "&AssumeRolePolicyDocument=%7B%22Version%22%3A%222012-10-17%22%7D&Tags.member.1.Key=a"
               "&Tags.member.1.Value=b");
    /* a list member with its own locationName: SubnetIds.SubnetIdentifier.N */
    check_form("elasticache", "CreateCacheSubnetGroup",
               "{\"CacheSubnetGroupName\":\"g\",\"CacheSubnetGroupDescription\":\"d\",\"SubnetIds\":[\"s-1\",\"s-2\"]}",
               "Action=CreateCacheSubnetGroup&Version=2015-02-02&CacheSubnetGroupName=g"
               "&CacheSubnetGroupDescription=d&SubnetIds.SubnetIdentifier.1=s-1&SubnetIds.SubnetIdentifier.2=s-2");
    check_form("sts", "GetCallerIdentity", NULL, "Action=GetCallerIdentity&Version=2011-06-15");
}

static void ec2_parse_responses(void)
{
    json_t *r = NULL;
    stk_aws_error e;
    const char *h[] = {"x-amzn-requestid", "hdr-req", NULL};
    CHECK_INT(pt_parse("ec2", "CreateVpc", "ec2_create_vpc.xml", NULL, 200, h, &r, &e), 0);
    CHECK_STR(pt_str(r, "Vpc.VpcId"), "vpc-0b93d0536b1d2a452");
    CHECK_STR(pt_str(r, "Vpc.CidrBlock"), "10.0.0.0/16");
    CHECK_STR(pt_str(r, "Vpc.State"), "available");
    CHECK(json_is_false(pt_get(r, "Vpc.IsDefault")));
    CHECK_STR(pt_str(r, "Vpc.Tags[0].Key"), "Name");
    CHECK_STR(pt_str(r, "Vpc.Tags[0].Value"), "main");
    CHECK_STR(pt_str(r, "Vpc.CidrBlockAssociationSet[0].CidrBlockState.State"), "associated");
    CHECK(json_is_array(pt_get(r, "Vpc.Ipv6CidrBlockAssociationSet")));
    CHECK_INT(json_array_size(pt_get(r, "Vpc.Ipv6CidrBlockAssociationSet")), 0);
    CHECK_STR(pt_str(r, "ResponseMetadata.RequestId"), "request-id");
    CHECK_INT(json_integer_value(pt_get(r, "ResponseMetadata.HTTPStatusCode")), 200);
    json_decref(r);

    CHECK_INT(pt_parse("ec2", "DescribeVpcs", "ec2_describe_vpcs.xml", NULL, 200, NULL, &r, &e), 0);
    CHECK(json_array_size(pt_get(r, "Vpcs")) >= 2);
    CHECK(pt_str(r, "Vpcs[0].VpcId") != NULL);
    json_decref(r);

    CHECK_INT(pt_parse("ec2", "DescribeVpcs", "ec2_error.xml", NULL, 400, h, &r, &e), 1);
    CHECK(r == NULL);
    CHECK_STR(e.code, "InvalidVpcID.NotFound");
    CHECK_STR(e.message, "VpcID {'vpc-00000000'} does not exist.");
    CHECK_STR(e.request_id, "request-id");
    CHECK_INT(e.status, 400);
    CHECK(stk_aws_error_is(&e, "InvalidVpcID.NotFound"));
    stk_aws_error_clear(&e);
}

static void query_parse_responses(void)
{
    json_t *r = NULL;
    stk_aws_error e;
    CHECK_INT(pt_parse("elbv2", "CreateTargetGroup", "elbv2_create_target_group.xml", NULL, 200, NULL, &r, &e), 0);
    CHECK_STR(pt_str(r, "TargetGroups[0].TargetGroupName"), "tg");
    CHECK_INT(json_integer_value(pt_get(r, "TargetGroups[0].Port")), 80);
    CHECK(json_is_true(pt_get(r, "TargetGroups[0].HealthCheckEnabled")));
    CHECK_STR(pt_str(r, "TargetGroups[0].Matcher.HttpCode"), "200");
    CHECK_STR(pt_str(r, "ResponseMetadata.RequestId"), "RI7LfRVFSl9Q2aW1bset4nIQLNvYu50WBdlh2yMLd8KnCgxsjWBn");
    json_decref(r);

    CHECK_INT(pt_parse("sns", "GetTopicAttributes", "sns_get_topic_attributes.xml", NULL, 200, NULL, &r, &e), 0);
    CHECK_STR(pt_str(r, "Attributes.TopicArn"), "arn:aws:sns:eu-north-1:123456789012:alarms");
    CHECK_STR(pt_str(r, "Attributes.DisplayName"), "");
    CHECK_STR(pt_str(r, "Attributes.SubscriptionsPending"), "0");
    json_decref(r);

    CHECK_INT(pt_parse("monitoring", "DescribeAlarms", "monitoring_describe_alarms.xml", NULL, 200, NULL, &r, &e), 0);
    CHECK_STR(pt_str(r, "MetricAlarms[0].AlarmName"), "cpu");
    CHECK(json_is_real(pt_get(r, "MetricAlarms[0].Threshold")));
    CHECK(json_real_value(pt_get(r, "MetricAlarms[0].Threshold")) == 80.0);
    CHECK_STR(pt_str(r, "MetricAlarms[0].Dimensions[0].Value"), "asg");
    CHECK_STR(pt_str(r, "MetricAlarms[0].StateUpdatedTimestamp"), "2026-11-26T14:46:26.362839Z");
    CHECK_INT(json_array_size(pt_get(r, "MetricAlarms[0].AlarmActions")), 0);
    json_decref(r);

    CHECK_INT(pt_parse("iam", "CreateRole", "iam_create_role.xml", NULL, 200, NULL, &r, &e), 0);
    CHECK_STR(pt_str(r, "Role.RoleName"), "app");
    CHECK(pt_str(r, "Role.Arn") && strstr(pt_str(r, "Role.Arn"), ":role/app"));
    /* IAM's URL-encoded policy documents come back as the JSON text */
    CHECK_STR(pt_str(r, "Role.AssumeRolePolicyDocument"), "{\"Version\":\"2012-10-17\",\"Statement\":[]}");
    json_decref(r);

    CHECK_INT(pt_parse("elbv2", "DescribeLoadBalancers", "elbv2_error.xml", NULL, 400, NULL, &r, &e), 1);
    CHECK_STR(e.code, "LoadBalancerNotFound");
    CHECK_STR(e.message, "The specified load balancer does not exist.");
    CHECK_STR(e.request_id, "noutbea4WHPipezQrOASgwEqrvAULLDrcSE39P0h2ZODGjQrJCSQ");
    stk_aws_error_clear(&e);

    /* a 5xx with a non-XML body still yields a code */
    CHECK_INT(pt_parse("sns", "ListTopics", NULL, "Service Unavailable", 503, NULL, &r, &e), 1);
    CHECK_STR(e.code, "HTTP503");
    stk_aws_error_clear(&e);
}

static void query_rejects_entities(void)
{
    /* an external entity must not be fetched nor expanded */
    const char *evil = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                       "<GetCallerIdentityResponse><GetCallerIdentityResult><Account>&x;</Account>"
                       "</GetCallerIdentityResult></GetCallerIdentityResponse>";
    json_t *r = NULL;
    stk_aws_error e;
    int rc = pt_parse("sts", "GetCallerIdentity", NULL, evil, 200, NULL, &r, &e);
    CHECK(rc == 0 || rc == -1);
    const char *acct = pt_str(r, "Account");
    CHECK(acct == NULL || strstr(acct, "root:") == NULL);
    json_decref(r);
}

int main(void)
{
    STK_RUN(ec2_create_vpc_with_tags);
    STK_RUN(ec2_run_instances_location_names);
    STK_RUN(ec2_query_names_and_filters);
    STK_RUN(ec2_client_token_filled);
    STK_RUN(query_elbv2_autoscaling);
    STK_RUN(query_monitoring_sns_iam_elasticache);
    STK_RUN(ec2_parse_responses);
    STK_RUN(query_parse_responses);
    STK_RUN(query_rejects_entities);
    return stk_test_report();
}
