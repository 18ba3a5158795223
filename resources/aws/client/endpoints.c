/* endpoints.c - endpoint resolution for the services stk calls: overrides
 * (provider block, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL) and the aws
 * partition's host names and signing regions. */
#include "aws/client/endpoints.h"
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "util/strbuf.h"

typedef struct {
    const char *key;          /* botocore endpoint prefix */
    const char *host_prefix;  /* host label(s) before the region */
    const char *env;          /* AWS_ENDPOINT_URL_<SERVICE> */
    const char *tf[4];        /* terraform-provider-aws endpoints names */
    int global;               /* one endpoint, signed for us-east-1 */
    const char *global_host;
} svc_info;

static const svc_info services[] = {
    {"ec2", "ec2", "AWS_ENDPOINT_URL_EC2", {"ec2"}, 0, NULL},
    {"elasticloadbalancing", "elasticloadbalancing", "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2", {"elbv2", "elb"}, 0, NULL},
    {"autoscaling", "autoscaling", "AWS_ENDPOINT_URL_AUTO_SCALING", {"autoscaling"}, 0, NULL},
    {"elasticache", "elasticache", "AWS_ENDPOINT_URL_ELASTICACHE", {"elasticache"}, 0, NULL},
    {"s3", "s3", "AWS_ENDPOINT_URL_S3", {"s3"}, 0, NULL},
    {"cloudfront", NULL, "AWS_ENDPOINT_URL_CLOUDFRONT", {"cloudfront"}, 1, "cloudfront.amazonaws.com"},
    {"api.ecr", "api.ecr", "AWS_ENDPOINT_URL_ECR", {"ecr"}, 0, NULL},
    {"ecr", "api.ecr", "AWS_ENDPOINT_URL_ECR", {"ecr"}, 0, NULL},
    {"iam", NULL, "AWS_ENDPOINT_URL_IAM", {"iam"}, 1, "iam.amazonaws.com"},
    {"sts", "sts", "AWS_ENDPOINT_URL_STS", {"sts"}, 0, NULL},
    {"logs", "logs", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", {"logs", "cloudwatchlogs"}, 0, NULL},
    {"monitoring", "monitoring", "AWS_ENDPOINT_URL_CLOUDWATCH", {"cloudwatch"}, 0, NULL},
    {"sns", "sns", "AWS_ENDPOINT_URL_SNS", {"sns"}, 0, NULL},
    {"dynamodb", "dynamodb", "AWS_ENDPOINT_URL_DYNAMODB", {"dynamodb"}, 0, NULL},
};

/* By endpoint prefix, else by a terraform / botocore service name
   ("elbv2", "cloudwatch", "cloudwatchlogs" ...). */
static const svc_info *lookup(const char *service)
{
    for (size_t i = 0; i < sizeof services / sizeof services[0]; i++)
        if (strcmp(services[i].key, service) == 0) return &services[i];
    for (size_t i = 0; i < sizeof services / sizeof services[0]; i++)
        for (int k = 0; k < 4 && services[i].tf[k]; k++)
            if (strcmp(services[i].tf[k], service) == 0) return &services[i];
    return NULL;
}

const char *stk_aws_endpoint_env_name(const char *service)
{
    const svc_info *si = lookup(service);
    return si ? si->env : NULL;
}

int stk_aws_endpoint_split(const char *url, char **scheme_out, char **host_out, char **base_out)
{
    const char *sep = strstr(url, "://");
    if (!sep || sep == url) return -1;
    const char *h = sep + 3;
    size_t hl = strcspn(h, "/?#");
    if (hl == 0) return -1;
    const char *base = h + hl;
    size_t bl = strcspn(base, "?#");
    while (bl > 0 && base[bl - 1] == '/') bl--;
    if (scheme_out) {
        *scheme_out = stk_xstrndup(url, (size_t)(sep - url));
        for (char *p = *scheme_out; *p; p++) *p = (char)tolower((unsigned char)*p);
    }
    if (host_out) *host_out = stk_xstrndup(h, hl);
    if (base_out) *base_out = stk_xstrndup(base, bl);
    return 0;
}

int stk_aws_endpoint_host_is_ip(const char *url)
{
    char *host = NULL;
    if (stk_aws_endpoint_split(url, NULL, &host, NULL) != 0) return 0;
    int ip = 0;
    if (host[0] == '[') {
        ip = 1;
    } else {
        char *colon = strrchr(host, ':');
        if (colon) *colon = '\0';
        struct in_addr a;
        ip = inet_pton(AF_INET, host, &a) == 1 || strcmp(host, "localhost") == 0;
    }
    free(host);
    return ip;
}

int stk_aws_s3_bucket_virtual_ok(const char *b)
{
    size_t n = strlen(b);
    if (n < 3 || n > 63 || b[0] == '-' || b[n - 1] == '-') return 0;
    for (size_t i = 0; i < n; i++)
        if (!((b[i] >= 'a' && b[i] <= 'z') || (b[i] >= '0' && b[i] <= '9') || b[i] == '-')) return 0;
    return 1;
}

static int check_url(const char *url, const char *where, stk_diags *d)
{
    char *scheme = NULL;
    int ok = stk_aws_endpoint_split(url, &scheme, NULL, NULL) == 0 &&
             (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0);
    free(scheme);
    if (!ok) stk_diags_error(d, NULL, "Invalid AWS endpoint URL",
                             "%s is \"%s\"; expected http://HOST[:PORT] or https://HOST[:PORT].", where, url);
    return ok ? 0 : -1;
}

static char *strip_slash(const char *url)
{
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/') n--;
    return stk_xstrndup(url, n);
}

int stk_aws_endpoint_resolve(const char *region, const char *service,
                             const char *const *osvc, const char *const *ourl, size_t nover,
                             char **url_out, char **signing_region_out, stk_diags *d)
{
    *url_out = NULL;
    *signing_region_out = NULL;
    const svc_info *si = lookup(service);
    const char *sign_region = (si && si->global) ? "us-east-1" : region;

    /* 1. provider endpoints { NAME = URL } */
    for (size_t i = 0; i < nover; i++) {
        int match = strcmp(osvc[i], service) == 0 || (si && strcmp(osvc[i], si->key) == 0);
        for (int k = 0; si && !match && k < 4 && si->tf[k]; k++) match = strcmp(osvc[i], si->tf[k]) == 0;
        if (match && ourl[i] && *ourl[i]) {
            char *where = stk_xasprintf("The provider's endpoints.%s", osvc[i]);
            int rc = check_url(ourl[i], where, d);
            free(where);
            if (rc) return -1;
            *url_out = strip_slash(ourl[i]);
            *signing_region_out = stk_xstrdup(sign_region);
            return 0;
        }
    }
    /* 2. AWS_ENDPOINT_URL_<SERVICE>, 3. AWS_ENDPOINT_URL */
    const char *envs[2] = {stk_aws_endpoint_env_name(service), "AWS_ENDPOINT_URL"};
    for (int i = 0; i < 2; i++) {
        const char *v = envs[i] ? getenv(envs[i]) : NULL;
        if (v && *v) {
            if (check_url(v, envs[i], d)) return -1;
            *url_out = strip_slash(v);
            *signing_region_out = stk_xstrdup(sign_region);
            return 0;
        }
    }
    /* 4. the aws partition */
    const char *domain = strncmp(region, "cn-", 3) == 0 ? "amazonaws.com.cn" : "amazonaws.com";
    if (si && si->global)
        *url_out = stk_xasprintf("https://%s", si->global_host);
    else
        *url_out = stk_xasprintf("https://%s.%s.%s", si ? si->host_prefix : service, region, domain);
    *signing_region_out = stk_xstrdup(sign_region);
    return 0;
}

int stk_aws_endpoint_target(const char *url, int s3, const char *host_prefix, const char *path,
                            int s3_use_path_style, char **host_out, char **path_out)
{
    char *host = NULL, *base = NULL;
    *host_out = *path_out = NULL;
    if (stk_aws_endpoint_split(url, NULL, &host, &base) != 0) return -1;
    const char *rpath = path && *path ? path : "/";
    if (host_prefix && *host_prefix && s3) {
        size_t bl = strlen(host_prefix);
        char *bucket = stk_xstrndup(host_prefix, host_prefix[bl - 1] == '.' ? bl - 1 : bl);
        if (s3_use_path_style || !stk_aws_s3_bucket_virtual_ok(bucket) || stk_aws_endpoint_host_is_ip(url)) {
            *host_out = stk_xstrdup(host);
            *path_out = strcmp(rpath, "/") == 0 ? stk_xasprintf("%s/%s", base, bucket)
                                                : stk_xasprintf("%s/%s%s", base, bucket, rpath);
        } else {
            *host_out = stk_xasprintf("%s.%s", bucket, host);
            *path_out = stk_xasprintf("%s%s", base, rpath);
        }
        free(bucket);
    } else {
        *host_out = stk_xasprintf("%s%s", host_prefix ? host_prefix : "", host);
        *path_out = stk_xasprintf("%s%s", base, rpath);
    }
    free(host);
    free(base);
    return 0;
}
