#!/usr/bin/env python3
"""gen_models.py - regenerate stk's trimmed AWS API models from botocore's data.

botocore ships the AWS service models (service-2.json, paginators-1.json,
waiters-2.json; Apache-2.0 data, see NOTICE beside this script).  stk needs
only the operations its resource types and state backend call, so this script
keeps those operations, every shape they reach (documentation removed), the
service metadata, and the paginators and waiters of the kept operations, and
writes one compact JSON file per service:

    {"metadata": {...}, "operations": {...}, "shapes": {...},
     "paginators": {...}, "waiters": {...}}

Usage: gen_models.py [--data DIR] [--out DIR] [--strict]
  --data  botocore's data directory (default: the running Python's botocore;
          Debian's /usr/lib/python3/dist-packages/botocore/data also works)
  --out   where to write <service>.json (default: this script's directory)
  --strict  fail when the data lacks a listed operation (default: warn, skip)

Building stk never runs this script; the JSON it writes is committed.
"""
import argparse
import gzip
import json
import os
import sys

# stk service name -> (botocore directory, protocol forced or None, operations)
SERVICES = {
    "ec2": ("ec2", None, """
        CreateVpc DescribeVpcs DeleteVpc ModifyVpcAttribute DescribeVpcAttribute
        AssociateVpcCidrBlock DisassociateVpcCidrBlock
        CreateSubnet DescribeSubnets DeleteSubnet ModifySubnetAttribute
        CreateInternetGateway DescribeInternetGateways DeleteInternetGateway
        AttachInternetGateway DetachInternetGateway
        AllocateAddress DescribeAddresses ReleaseAddress AssociateAddress DisassociateAddress
        CreateNatGateway DescribeNatGateways DeleteNatGateway
        CreateRouteTable DescribeRouteTables DeleteRouteTable CreateRoute ReplaceRoute
        DeleteRoute AssociateRouteTable DisassociateRouteTable ReplaceRouteTableAssociation
        CreateSecurityGroup DescribeSecurityGroups DeleteSecurityGroup
        AuthorizeSecurityGroupIngress AuthorizeSecurityGroupEgress
        RevokeSecurityGroupIngress RevokeSecurityGroupEgress
        DescribeSecurityGroupRules ModifySecurityGroupRules
        UpdateSecurityGroupRuleDescriptionsIngress UpdateSecurityGroupRuleDescriptionsEgress
        RunInstances DescribeInstances TerminateInstances StopInstances StartInstances
        ModifyInstanceAttribute DescribeInstanceAttribute DescribeInstanceStatus
        ModifyInstanceMetadataOptions DescribeInstanceTypes DescribeVolumes
        MonitorInstances UnmonitorInstances
        DescribeIamInstanceProfileAssociations AssociateIamInstanceProfile
        DisassociateIamInstanceProfile ReplaceIamInstanceProfileAssociation
        CreateLaunchTemplate CreateLaunchTemplateVersion DescribeLaunchTemplates
        DescribeLaunchTemplateVersions ModifyLaunchTemplate DeleteLaunchTemplate
        DeleteLaunchTemplateVersions
        ImportKeyPair CreateKeyPair DescribeKeyPairs DeleteKeyPair
        CreateTags DeleteTags DescribeTags
        DescribeImages DescribeAvailabilityZones DescribeRegions DescribeAccountAttributes
        DescribeNetworkInterfaces DeleteNetworkInterface DetachNetworkInterface
        DescribePrefixLists DescribeManagedPrefixLists
    """),
    "elbv2": ("elbv2", None, """
        CreateLoadBalancer DescribeLoadBalancers DeleteLoadBalancer
        ModifyLoadBalancerAttributes DescribeLoadBalancerAttributes
        SetSecurityGroups SetSubnets SetIpAddressType
        CreateTargetGroup DescribeTargetGroups DeleteTargetGroup ModifyTargetGroup
        ModifyTargetGroupAttributes DescribeTargetGroupAttributes
        RegisterTargets DeregisterTargets DescribeTargetHealth
        CreateListener DescribeListeners DeleteListener ModifyListener
        DescribeListenerAttributes ModifyListenerAttributes
        AddListenerCertificates RemoveListenerCertificates DescribeListenerCertificates
        CreateRule DescribeRules DeleteRule ModifyRule SetRulePriorities
        AddTags RemoveTags DescribeTags DescribeSSLPolicies
    """),
    "autoscaling": ("autoscaling", None, """
        CreateAutoScalingGroup DescribeAutoScalingGroups UpdateAutoScalingGroup
        DeleteAutoScalingGroup SetDesiredCapacity DescribeAutoScalingInstances
        CreateOrUpdateTags DeleteTags DescribeTags
        AttachLoadBalancerTargetGroups DetachLoadBalancerTargetGroups
        DescribeLoadBalancerTargetGroups
        AttachTrafficSources DetachTrafficSources DescribeTrafficSources
        PutScalingPolicy DescribePolicies DeletePolicy
        StartInstanceRefresh DescribeInstanceRefreshes CancelInstanceRefresh
        DescribeScalingActivities
        CreateLaunchConfiguration DescribeLaunchConfigurations DeleteLaunchConfiguration
        EnableMetricsCollection DisableMetricsCollection SuspendProcesses ResumeProcesses
        PutLifecycleHook DescribeLifecycleHooks DeleteLifecycleHook
    """),
    "elasticache": ("elasticache", None, """
        CreateCacheSubnetGroup DescribeCacheSubnetGroups ModifyCacheSubnetGroup
        DeleteCacheSubnetGroup
        CreateCacheParameterGroup DescribeCacheParameterGroups ModifyCacheParameterGroup
        ResetCacheParameterGroup DeleteCacheParameterGroup DescribeCacheParameters
        CreateCacheCluster DescribeCacheClusters ModifyCacheCluster DeleteCacheCluster
        CreateReplicationGroup DescribeReplicationGroups ModifyReplicationGroup
        DeleteReplicationGroup
        AddTagsToResource RemoveTagsFromResource ListTagsForResource
        DescribeCacheEngineVersions
    """),
    "s3": ("s3", None, """
        CreateBucket HeadBucket DeleteBucket ListBuckets GetBucketLocation
        PutObject GetObject HeadObject DeleteObject DeleteObjects CopyObject
        ListObjectsV2 ListObjectVersions GetObjectTagging PutObjectTagging
        PutBucketVersioning GetBucketVersioning
        PutBucketEncryption GetBucketEncryption DeleteBucketEncryption
        PutPublicAccessBlock GetPublicAccessBlock DeletePublicAccessBlock
        PutBucketPolicy GetBucketPolicy DeleteBucketPolicy
        PutBucketWebsite GetBucketWebsite DeleteBucketWebsite
        PutBucketOwnershipControls GetBucketOwnershipControls DeleteBucketOwnershipControls
        PutBucketTagging GetBucketTagging DeleteBucketTagging
        PutBucketAcl GetBucketAcl PutBucketCors GetBucketCors DeleteBucketCors
        GetBucketLogging PutBucketLifecycleConfiguration GetBucketLifecycleConfiguration
        DeleteBucketLifecycle GetBucketRequestPayment GetBucketAccelerateConfiguration
        GetBucketReplication GetObjectLockConfiguration
    """),
    "cloudfront": ("cloudfront", None, """
        CreateDistribution CreateDistributionWithTags GetDistribution GetDistributionConfig
        UpdateDistribution DeleteDistribution ListDistributions
        CreateCloudFrontOriginAccessIdentity GetCloudFrontOriginAccessIdentity
        GetCloudFrontOriginAccessIdentityConfig UpdateCloudFrontOriginAccessIdentity
        DeleteCloudFrontOriginAccessIdentity ListCloudFrontOriginAccessIdentities
        CreateOriginAccessControl GetOriginAccessControl UpdateOriginAccessControl
        DeleteOriginAccessControl ListOriginAccessControls
        ListCachePolicies GetCachePolicy ListOriginRequestPolicies GetOriginRequestPolicy
        ListResponseHeadersPolicies GetResponseHeadersPolicy
        CreateInvalidation GetInvalidation
        TagResource UntagResource ListTagsForResource
    """),
    "ecr": ("ecr", None, """
        CreateRepository DescribeRepositories DeleteRepository
        PutImageScanningConfiguration PutImageTagMutability
        PutLifecyclePolicy GetLifecyclePolicy DeleteLifecyclePolicy
        SetRepositoryPolicy GetRepositoryPolicy DeleteRepositoryPolicy
        TagResource UntagResource ListTagsForResource
        DescribeImages ListImages BatchDeleteImage GetAuthorizationToken
    """),
    "iam": ("iam", None, """
        CreateRole GetRole UpdateRole UpdateAssumeRolePolicy DeleteRole ListRoles
        TagRole UntagRole ListRoleTags
        PutRolePolicy GetRolePolicy DeleteRolePolicy ListRolePolicies
        CreatePolicy GetPolicy DeletePolicy ListPolicies TagPolicy UntagPolicy
        GetPolicyVersion CreatePolicyVersion DeletePolicyVersion ListPolicyVersions
        AttachRolePolicy DetachRolePolicy ListAttachedRolePolicies
        CreateInstanceProfile GetInstanceProfile DeleteInstanceProfile
        AddRoleToInstanceProfile RemoveRoleFromInstanceProfile
        ListInstanceProfilesForRole ListInstanceProfiles
        TagInstanceProfile UntagInstanceProfile
        CreateUser GetUser DeleteUser CreateAccessKey DeleteAccessKey ListAccessKeys
        AttachUserPolicy DetachUserPolicy PutUserPolicy DeleteUserPolicy
    """),
    "sts": ("sts", None, """
        GetCallerIdentity AssumeRole GetSessionToken
    """),
    "logs": ("logs", None, """
        CreateLogGroup DescribeLogGroups DeleteLogGroup
        PutRetentionPolicy DeleteRetentionPolicy AssociateKmsKey DisassociateKmsKey
        TagResource UntagResource ListTagsForResource TagLogGroup UntagLogGroup ListTagsLogGroup
        CreateLogStream DescribeLogStreams DeleteLogStream PutLogEvents GetLogEvents
        FilterLogEvents PutMetricFilter DescribeMetricFilters DeleteMetricFilter
    """),
    "monitoring": ("cloudwatch", "query", """
        PutMetricAlarm DescribeAlarms DeleteAlarms DescribeAlarmsForMetric
        EnableAlarmActions DisableAlarmActions SetAlarmState
        PutDashboard GetDashboard DeleteDashboards ListDashboards
        TagResource UntagResource ListTagsForResource
        PutMetricData GetMetricStatistics GetMetricData ListMetrics
    """),
    "sns": ("sns", "query", """
        CreateTopic GetTopicAttributes SetTopicAttributes DeleteTopic ListTopics
        Subscribe Unsubscribe ConfirmSubscription
        GetSubscriptionAttributes SetSubscriptionAttributes
        ListSubscriptionsByTopic ListSubscriptions
        TagResource UntagResource ListTagsForResource Publish
    """),
    "dynamodb": ("dynamodb", None, """
        CreateTable DescribeTable UpdateTable DeleteTable ListTables
        PutItem GetItem DeleteItem UpdateItem Query Scan
        BatchGetItem BatchWriteItem TransactWriteItems TransactGetItems
        DescribeTimeToLive UpdateTimeToLive
        DescribeContinuousBackups UpdateContinuousBackups
        TagResource UntagResource ListTagsOfResource
    """),
}

DROP_KEYS = {"documentation", "documentationUrl", "examples", "deprecatedMessage"}


def default_data_dir():
    try:
        import botocore
    except ImportError:
        sys.exit("gen_models.py: botocore is not importable; pass --data DIR")
    return os.path.join(os.path.dirname(botocore.__file__), "data")


def load(path):
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    if os.path.exists(path + ".gz"):
        with gzip.open(path + ".gz", "rt", encoding="utf-8") as f:
            return json.load(f)
    return None


def latest_version_dir(data, svc):
    base = os.path.join(data, svc)
    versions = sorted(v for v in os.listdir(base)
                      if load(os.path.join(base, v, "service-2.json")) is not None)
    if not versions:
        sys.exit("gen_models.py: no service-2.json for " + svc)
    return os.path.join(base, versions[-1])


def strip(obj):
    if isinstance(obj, dict):
        return {k: strip(v) for k, v in obj.items() if k not in DROP_KEYS}
    if isinstance(obj, list):
        return [strip(v) for v in obj]
    return obj


def reach(shapes, name, seen):
    if name in seen:
        return
    seen.add(name)
    s = shapes[name]
    refs = []
    if s["type"] == "structure":
        refs = [m["shape"] for m in s.get("members", {}).values()]
    elif s["type"] == "list":
        refs = [s["member"]["shape"]]
    elif s["type"] == "map":
        refs = [s["key"]["shape"], s["value"]["shape"]]
    for r in refs:
        reach(shapes, r, seen)


def trim(name, botodir, force_protocol, ops, data, strict):
    vdir = latest_version_dir(data, botodir)
    model = load(os.path.join(vdir, "service-2.json"))
    pag = load(os.path.join(vdir, "paginators-1.json")) or {"pagination": {}}
    wai = load(os.path.join(vdir, "waiters-2.json")) or {"waiters": {}}
    meta = dict(model["metadata"])
    if force_protocol:
        meta["protocol"] = force_protocol
    meta["protocols"] = [meta["protocol"]]
    meta.pop("awsQueryCompatible", None)
    meta["stkName"] = name
    meta["botocoreDir"] = os.path.basename(os.path.dirname(vdir)) + "/" + os.path.basename(vdir)
    operations, seen = {}, set()
    for op in ops:
        if op not in model["operations"]:
            # an older botocore (Debian's) may predate an operation
            msg = "gen_models.py: %s %s has no operation %s" % (name, meta["botocoreDir"], op)
            if strict:
                sys.exit(msg)
            print(msg + " (skipped)", file=sys.stderr)
            continue
        o = strip(model["operations"][op])
        operations[op] = o
        for key in ("input", "output"):
            if key in o:
                reach(model["shapes"], o[key]["shape"], seen)
        for e in o.get("errors", []):
            reach(model["shapes"], e["shape"], seen)
    shapes = {k: strip(model["shapes"][k]) for k in sorted(seen)}
    paginators = {k: v for k, v in pag["pagination"].items() if k in operations}
    waiters = {k: strip(v) for k, v in wai["waiters"].items() if v["operation"] in operations}
    return {"metadata": meta, "operations": operations, "shapes": shapes,
            "paginators": paginators, "waiters": waiters}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=None)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--strict", action="store_true", help="fail when an operation is missing")
    args = ap.parse_args()
    data = args.data or default_data_dir()
    for name, (botodir, proto, ops) in SERVICES.items():
        m = trim(name, botodir, proto, ops.split(), data, args.strict)
        path = os.path.join(args.out, name + ".json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(m, f, sort_keys=True, separators=(",", ":"))
            f.write("\n")
        print("%-12s %3d operations %4d shapes %2d paginators %2d waiters %7d bytes  (%s)" % (
            name, len(m["operations"]), len(m["shapes"]), len(m["paginators"]),
            len(m["waiters"]), os.path.getsize(path), m["metadata"]["botocoreDir"]))


if __name__ == "__main__":
    main()
