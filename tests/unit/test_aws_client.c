/* test_aws_client.c - the AWS client layer: credential and region
 * resolution order (temporary HOME, AWS_* variables and shared files),
 * credential_process, endpoints and their overrides, S3 path style, retry
 * classification / backoff / quota, log redaction, the response size cap,
 * and a signed STS GetCallerIdentity against moto on 127.0.0.1. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "test.h"
#include "aws/client/client.h"
#include "aws/client/credentials.h"
#include "aws/client/endpoints.h"
#include "aws/client/limiter.h"
#include "aws/client/log.h"
#include "aws/client/retry.h"
#include "util/strbuf.h"

static char tmpdir[256];

static void write_file(const char *name, const char *content, int mode)
{
    char *p = stk_xasprintf("%s/%s", tmpdir, name);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(content, f);
        fclose(f);
    }
    chmod(p, (mode_t)mode);
    free(p);
}

static const char *const aws_vars[] = {
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
    "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_REGION", "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_EC2", "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2",
    "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_IAM", "AWS_CA_BUNDLE", "STK_LOG",
};

/* A fresh temporary HOME with an empty ~/.aws and no AWS_* variables. */
static void fresh_env(void)
{
    for (size_t i = 0; i < sizeof aws_vars / sizeof aws_vars[0]; i++) unsetenv(aws_vars[i]);
    char *cmd = stk_xasprintf("rm -rf '%s'/.aws '%s'/*", tmpdir, tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "cleanup failed\n");
    free(cmd);
    char *aws = stk_xasprintf("%s/.aws", tmpdir);
    mkdir(aws, 0700);
    free(aws);
    setenv("HOME", tmpdir, 1);
    setenv("STK_RETRY_BASE_MS", "0", 1);
}

static int diags_mention(const stk_diags *d, const char *needle)
{
    for (size_t i = 0; i < d->len; i++) {
        if (d->items[i].summary && strstr(d->items[i].summary, needle)) return 1;
        if (d->items[i].detail && strstr(d->items[i].detail, needle)) return 1;
    }
    return 0;
}

/* ---- credentials ----------------------------------------------------- */

static void test_static_wins(void)
{
    fresh_env();
    setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
    stk_aws_config cfg = {.access_key = "AKIASTATIC", .secret_key = "staticsecret", .token = "tok"};
    stk_aws_credentials c;
    stk_diags d = STK_DIAGS_INIT;
    CHECK_INT(stk_aws_credentials_resolve(&cfg, &c, &d), 0);
    CHECK_STR(c.access_key, "AKIASTATIC");
    CHECK_STR(c.secret_key, "staticsecret");
    CHECK_STR(c.token, "tok");
    stk_aws_credentials_clear(&c);
    /* half a static pair is an error, not a silent fallback */
    stk_aws_config half = {.access_key = "AKIASTATIC"};
    CHECK_INT(stk_aws_credentials_resolve(&half, &c, &d), -1);
    CHECK(diags_mention(&d, "secret_key"));
    stk_diags_free(&d);
}

static void test_env_over_files(void)
{
    fresh_env();
    write_file(".aws/credentials", "[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = filesecret\n", 0600);
    setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
    setenv("AWS_SESSION_TOKEN", "envtoken", 1);
    stk_aws_credentials c;
    stk_diags d = STK_DIAGS_INIT;
    CHECK_INT(stk_aws_credentials_resolve(NULL, &c, &d), 0);
    CHECK_STR(c.access_key, "AKIAENV");
    CHECK_STR(c.token, "envtoken");
    CHECK_STR(c.source, "environment");
    stk_aws_credentials_clear(&c);
    /* without the environment the default profile of the credentials file */
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_SESSION_TOKEN");
    CHECK_INT(stk_aws_credentials_resolve(NULL, &c, &d), 0);
    CHECK_STR(c.access_key, "AKIAFILE");
    CHECK_STR(c.secret_key, "filesecret");
    CHECK(c.token == NULL);
    stk_aws_credentials_clear(&c);
    /* half an environment pair is reported */
    setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
    CHECK_INT(stk_aws_credentials_resolve(NULL, &c, &d), -1);
    CHECK(diags_mention(&d, "AWS_SECRET_ACCESS_KEY"));
    stk_diags_free(&d);
}

static void test_profiles(void)
{
    fresh_env();
    write_file(".aws/credentials",
               "# comment\n[default]\naws_access_key_id=AKIADEF\naws_secret_access_key=defsecret\n\n"
               "[dev]\naws_access_key_id = AKIADEV\naws_secret_access_key = devsecret\naws_session_token = devtok\n",
               0600);
    write_file(".aws/config",
               "[default]\nregion = eu-west-1\n[profile ops]\nregion = ap-south-1\n"
               "aws_access_key_id = AKIAOPS\naws_secret_access_key = opssecret\n"
               "s3 =\n  addressing_style = path\n[profile assume]\nrole_arn = arn:aws:iam::1:role/x\n",
               0600);
    stk_aws_credentials c;
    stk_diags d = STK_DIAGS_INIT;
    /* AWS_PROFILE selects a section of the credentials file */
    setenv("AWS_PROFILE", "dev", 1);
    CHECK_INT(stk_aws_credentials_resolve(NULL, &c, &d), 0);
    CHECK_STR(c.access_key, "AKIADEV");
    CHECK_STR(c.token, "devtok");
    stk_aws_credentials_clear(&c);
    /* a profile only in the config file ([profile ops]) */
    setenv("AWS_PROFILE", "ops", 1);
    CHECK_INT(stk_aws_credentials_resolve(NULL, &c, &d), 0);
    CHECK_STR(c.access_key, "AKIAOPS");
    stk_aws_credentials_clear(&c);
    char *r = stk_aws_region_resolve(NULL, &d);
    CHECK_STR(r, "ap-south-1");
    free(r);
    /* the provider's profile wins over environment keys */
    unsetenv("AWS_PROFILE");
    setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
    stk_aws_config cfg = {.profile = "dev"};
    CHECK_INT(stk_aws_credentials_resolve(&cfg, &c, &d), 0);
    CHECK_STR(c.access_key, "AKIADEV");
    stk_aws_credentials_clear(&c);
    CHECK_INT(d.len, 0);
    /* a missing named profile is an error naming it */
    cfg.profile = "nosuch";
    CHECK_INT(stk_aws_credentials_resolve(&cfg, &c, &d), -1);
    CHECK(diags_mention(&d, "nosuch"));
    stk_diags_free(&d);
    /* role_arn is said to be unsupported, not ignored */
    cfg.profile = "assume";
    CHECK_INT(stk_aws_credentials_resolve(&cfg, &c, &d), -1);
    CHECK(diags_mention(&d, "role_arn"));
    stk_diags_free(&d);
    /* explicit file paths */
    write_file("other-creds", "[x]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = othersecret\n", 0600);
    char *p = stk_xasprintf("%s/other-creds", tmpdir);
    setenv("AWS_SHARED_CREDENTIALS_FILE", p, 1);
    cfg.profile = "x";
    CHECK_INT(stk_aws_credentials_resolve(&cfg, &c, &d), 0);
    CHECK_STR(c.access_key, "AKIAOTHER");
    stk_aws_credentials_clear(&c);
    free(p);
    stk_diags_free(&d);
}

static void test_credential_process(void)
{
    fresh_env();
    write_file("creds.sh",
               "#!/bin/sh\n"
               "[ \"$1\" = \"a b\" ] || { echo bad-arg >&2; exit 3; }\n"
               "echo '{\"Version\": 1, \"AccessKeyId\": \"AKIAPROC\", \"SecretAccessKey\": \"procsecret\",'\n"
               "echo ' \"SessionToken\": \"proctoken\", \"Expiration\": \"2099-01-02T03:04:05Z\"}'\n",
               0700);
    write_file("fail.sh", "#!/bin/sh\necho '{\"SecretAccessKey\": \"leakme\"}'\nexit 2\n", 0700);
    write_file("v2.sh", "#!/bin/sh\necho '{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"leakme\"}'\n", 0700);
    char *conf = stk_xasprintf("[profile p]\ncredential_process = %s/creds.sh \"a b\"\n"
                               "[profile f]\ncredential_process = %s/fail.sh\n"
                               "[profile v]\ncredential_process = %s/v2.sh\n", tmpdir, tmpdir, tmpdir);
    write_file(".aws/config", conf, 0600);
    free(conf);
    stk_aws_credentials c;
    stk_diags d = STK_DIAGS_INIT;
    stk_aws_config cfg = {.profile = "p"};
    CHECK_INT(stk_aws_credentials_resolve(&cfg, &c, &d), 0);
    CHECK_STR(c.access_key, "AKIAPROC");
    CHECK_STR(c.secret_key, "procsecret");
    CHECK_STR(c.token, "proctoken");
    CHECK_INT(c.expiration, 4071006245LL);   /* 2099-01-02T03:04:05Z */
    CHECK(c.process != NULL);
    stk_aws_credentials_clear(&c);
    CHECK_INT(d.len, 0);
    cfg.profile = "f";
    CHECK_INT(stk_aws_credentials_resolve(&cfg, &c, &d), -1);
    CHECK(diags_mention(&d, "status 2"));
    CHECK(!diags_mention(&d, "leakme"));
    stk_diags_free(&d);
    cfg.profile = "v";
    CHECK_INT(stk_aws_credentials_resolve(&cfg, &c, &d), -1);
    CHECK(diags_mention(&d, "Version"));
    CHECK(!diags_mention(&d, "leakme"));
    stk_diags_free(&d);
    /* a command that does not exist */
    CHECK_INT(stk_aws_credentials_from_process("/nonexistent/stk-cred-helper", &c, &d), -1);
    CHECK(diags_mention(&d, "could not be started") || diags_mention(&d, "failed"));
    stk_diags_free(&d);
}

static void test_no_credentials(void)
{
    fresh_env();
    stk_aws_credentials c;
    stk_diags d = STK_DIAGS_INIT;
    CHECK_INT(stk_aws_credentials_resolve(NULL, &c, &d), -1);
    CHECK(diags_mention(&d, "No valid credential sources found"));
    CHECK(diags_mention(&d, "AWS_ACCESS_KEY_ID"));
    CHECK(diags_mention(&d, "credentials"));
    stk_diags_free(&d);
    /* and the client refuses to start, saying why */
    setenv("AWS_REGION", "us-east-1", 1);
    stk_aws_client *cl = stk_aws_client_new(NULL, &d);
    CHECK(cl == NULL);
    CHECK(diags_mention(&d, "No valid credential sources found"));
    stk_diags_free(&d);
}

static void test_region_order(void)
{
    fresh_env();
    write_file(".aws/config", "[default]\nregion = eu-central-1\n", 0600);
    stk_diags d = STK_DIAGS_INIT;
    char *r = stk_aws_region_resolve(NULL, &d);
    CHECK_STR(r, "eu-central-1");
    free(r);
    setenv("AWS_DEFAULT_REGION", "us-west-1", 1);
    r = stk_aws_region_resolve(NULL, &d);
    CHECK_STR(r, "us-west-1");
    free(r);
    setenv("AWS_REGION", "us-west-2", 1);
    r = stk_aws_region_resolve(NULL, &d);
    CHECK_STR(r, "us-west-2");
    free(r);
    stk_aws_config cfg = {.region = "sa-east-1"};
    r = stk_aws_region_resolve(&cfg, &d);
    CHECK_STR(r, "sa-east-1");
    free(r);
    CHECK_INT(d.len, 0);
    fresh_env();
    r = stk_aws_region_resolve(NULL, &d);
    CHECK(r == NULL);
    CHECK(diags_mention(&d, "No AWS region found"));
    stk_diags_free(&d);
}

/* ---- endpoints ------------------------------------------------------- */

static void check_ep(const char *region, const char *svc, const char *want_url, const char *want_region)
{
    char *u = NULL, *r = NULL;
    stk_diags d = STK_DIAGS_INIT;
    CHECK_INT(stk_aws_endpoint_resolve(region, svc, NULL, NULL, 0, &u, &r, &d), 0);
    CHECK_STR(u, want_url);
    CHECK_STR(r, want_region);
    free(u);
    free(r);
    stk_diags_free(&d);
}

static void test_endpoint_defaults(void)
{
    fresh_env();
    check_ep("us-west-2", "ec2", "https://ec2.us-west-2.amazonaws.com", "us-west-2");
    check_ep("us-west-2", "elasticloadbalancing", "https://elasticloadbalancing.us-west-2.amazonaws.com", "us-west-2");
    check_ep("eu-west-1", "autoscaling", "https://autoscaling.eu-west-1.amazonaws.com", "eu-west-1");
    check_ep("eu-west-1", "elasticache", "https://elasticache.eu-west-1.amazonaws.com", "eu-west-1");
    check_ep("eu-west-1", "monitoring", "https://monitoring.eu-west-1.amazonaws.com", "eu-west-1");
    check_ep("eu-west-1", "logs", "https://logs.eu-west-1.amazonaws.com", "eu-west-1");
    check_ep("eu-west-1", "sns", "https://sns.eu-west-1.amazonaws.com", "eu-west-1");
    check_ep("eu-west-1", "dynamodb", "https://dynamodb.eu-west-1.amazonaws.com", "eu-west-1");
    check_ep("eu-west-1", "ecr", "https://api.ecr.eu-west-1.amazonaws.com", "eu-west-1");
    check_ep("eu-west-1", "api.ecr", "https://api.ecr.eu-west-1.amazonaws.com", "eu-west-1");
    check_ep("eu-west-1", "sts", "https://sts.eu-west-1.amazonaws.com", "eu-west-1");
    check_ep("eu-west-1", "s3", "https://s3.eu-west-1.amazonaws.com", "eu-west-1");
    check_ep("eu-west-1", "iam", "https://iam.amazonaws.com", "us-east-1");
    check_ep("ap-southeast-2", "cloudfront", "https://cloudfront.amazonaws.com", "us-east-1");
    /* service names as terraform spells them reach the same endpoints */
    check_ep("us-west-2", "elbv2", "https://elasticloadbalancing.us-west-2.amazonaws.com", "us-west-2");
    check_ep("us-west-2", "cloudwatch", "https://monitoring.us-west-2.amazonaws.com", "us-west-2");
    /* an unknown service gets the generic regional pattern */
    check_ep("us-west-2", "kms", "https://kms.us-west-2.amazonaws.com", "us-west-2");
    CHECK_STR(stk_aws_endpoint_env_name("api.ecr"), "AWS_ENDPOINT_URL_ECR");
    CHECK_STR(stk_aws_endpoint_env_name("monitoring"), "AWS_ENDPOINT_URL_CLOUDWATCH");
    CHECK(stk_aws_endpoint_env_name("kms") == NULL);
}

static void test_endpoint_overrides(void)
{
    fresh_env();
    const char *svcs[] = {"elbv2", "ec2"};
    const char *urls[] = {"http://127.0.0.1:4001/", "http://127.0.0.1:4002"};
    char *u = NULL, *r = NULL;
    stk_diags d = STK_DIAGS_INIT;
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000", 1);
    setenv("AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2", "http://127.0.0.1:5001", 1);
    setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:5002", 1);
    /* provider block first (trailing slash dropped) */
    CHECK_INT(stk_aws_endpoint_resolve("us-east-2", "elasticloadbalancing", svcs, urls, 2, &u, &r, &d), 0);
    CHECK_STR(u, "http://127.0.0.1:4001");
    CHECK_STR(r, "us-east-2");
    free(u), free(r);
    /* then AWS_ENDPOINT_URL_<SERVICE> */
    CHECK_INT(stk_aws_endpoint_resolve("us-east-2", "elasticloadbalancing", NULL, NULL, 0, &u, &r, &d), 0);
    CHECK_STR(u, "http://127.0.0.1:5001");
    free(u), free(r);
    CHECK_INT(stk_aws_endpoint_resolve("us-east-2", "s3", svcs, urls, 2, &u, &r, &d), 0);
    CHECK_STR(u, "http://127.0.0.1:5002");
    free(u), free(r);
    /* then AWS_ENDPOINT_URL; a global service still signs for us-east-1 */
    CHECK_INT(stk_aws_endpoint_resolve("us-east-2", "iam", svcs, urls, 2, &u, &r, &d), 0);
    CHECK_STR(u, "http://127.0.0.1:5000");
    CHECK_STR(r, "us-east-1");
    free(u), free(r);
    CHECK_INT(d.len, 0);
    /* a broken override is an error naming where it came from */
    setenv("AWS_ENDPOINT_URL_EC2", "ftp://x", 1);
    CHECK_INT(stk_aws_endpoint_resolve("us-east-2", "ec2", NULL, NULL, 0, &u, &r, &d), -1);
    CHECK(diags_mention(&d, "AWS_ENDPOINT_URL_EC2"));
    stk_diags_free(&d);
    const char *bad_s[] = {"sns"}, *bad_u[] = {"not a url"};
    CHECK_INT(stk_aws_endpoint_resolve("us-east-2", "sns", bad_s, bad_u, 1, &u, &r, &d), -1);
    CHECK(diags_mention(&d, "endpoints.sns"));
    stk_diags_free(&d);
    /* terraform names: cloudwatch -> monitoring, cloudwatchlogs -> logs */
    unsetenv("AWS_ENDPOINT_URL");
    const char *tf_s[] = {"cloudwatch", "cloudwatchlogs"}, *tf_u[] = {"http://127.0.0.1:1", "http://127.0.0.1:2"};
    CHECK_INT(stk_aws_endpoint_resolve("us-east-2", "monitoring", tf_s, tf_u, 2, &u, &r, &d), 0);
    CHECK_STR(u, "http://127.0.0.1:1");
    free(u), free(r);
    CHECK_INT(stk_aws_endpoint_resolve("us-east-2", "logs", tf_s, tf_u, 2, &u, &r, &d), 0);
    CHECK_STR(u, "http://127.0.0.1:2");
    free(u), free(r);
    stk_diags_free(&d);
}

static void test_s3_path_style(void)
{
    fresh_env();
    setenv("AWS_ACCESS_KEY_ID", "AKIATEST", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "testsecret", 1);
    stk_aws_config cfg = {.region = "us-east-1"};
    stk_diags d = STK_DIAGS_INIT;
    stk_aws_client *c = stk_aws_client_new(&cfg, &d);
    CHECK(c != NULL);
    if (!c) return;
    CHECK_INT(stk_aws_client_s3_path_style(c, "my-bucket"), 0);       /* AWS: virtual-hosted */
    CHECK_INT(stk_aws_client_s3_path_style(c, "my.dotted.bucket"), 1); /* TLS-safe: path style */
    stk_aws_client_free(c);
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9000", 1);
    c = stk_aws_client_new(&cfg, &d);
    CHECK_INT(stk_aws_client_s3_path_style(c, "my-bucket"), 1);       /* IP endpoint */
    stk_aws_client_free(c);
    setenv("AWS_ENDPOINT_URL", "https://s3.example.test", 1);
    c = stk_aws_client_new(&cfg, &d);
    CHECK_INT(stk_aws_client_s3_path_style(c, "my-bucket"), 0);
    stk_aws_client_free(c);
    cfg.s3_use_path_style = 1;
    c = stk_aws_client_new(&cfg, &d);
    CHECK_INT(stk_aws_client_s3_path_style(c, "my-bucket"), 1);
    CHECK_INT(stk_aws_client_flag(c, "s3_use_path_style"), 1);
    stk_aws_client_free(c);
    stk_aws_config bad = {.region = "us-east-1.evil.example/"};
    c = stk_aws_client_new(&bad, &d);
    CHECK(c == NULL);
    CHECK(diags_mention(&d, "Invalid AWS region"));
    stk_diags_free(&d);
    /* where requests go */
    char *h = NULL, *p = NULL;
    CHECK_INT(stk_aws_endpoint_target("https://s3.eu-west-1.amazonaws.com", 1, "logs-bucket.", "/a%20b.txt", 0, &h, &p), 0);
    CHECK_STR(h, "logs-bucket.s3.eu-west-1.amazonaws.com");
    CHECK_STR(p, "/a%20b.txt");
    free(h), free(p);
    CHECK_INT(stk_aws_endpoint_target("https://s3.eu-west-1.amazonaws.com", 1, "logs-bucket.", "/", 1, &h, &p), 0);
    CHECK_STR(h, "s3.eu-west-1.amazonaws.com");
    CHECK_STR(p, "/logs-bucket");
    free(h), free(p);
    CHECK_INT(stk_aws_endpoint_target("http://127.0.0.1:5000/base/", 1, "logs-bucket.", "/k/x", 0, &h, &p), 0);
    CHECK_STR(h, "127.0.0.1:5000");
    CHECK_STR(p, "/base/logs-bucket/k/x");
    free(h), free(p);
    CHECK_INT(stk_aws_endpoint_target("https://s3.us-east-1.amazonaws.com", 1, "my.dotted.bucket.", "/k", 0, &h, &p), 0);
    CHECK_STR(h, "s3.us-east-1.amazonaws.com");
    CHECK_STR(p, "/my.dotted.bucket/k");
    free(h), free(p);
    CHECK_INT(stk_aws_endpoint_target("https://ec2.us-east-1.amazonaws.com", 0, NULL, "/", 0, &h, &p), 0);
    CHECK_STR(h, "ec2.us-east-1.amazonaws.com");
    CHECK_STR(p, "/");
    free(h), free(p);
    CHECK_INT(stk_aws_endpoint_target("nonsense", 0, NULL, "/", 0, &h, &p), -1);
    CHECK_INT(stk_aws_endpoint_host_is_ip("http://[::1]:80"), 1);
    CHECK_INT(stk_aws_endpoint_host_is_ip("http://localhost:80"), 1);
    CHECK_INT(stk_aws_endpoint_host_is_ip("https://s3.us-east-1.amazonaws.com"), 0);
    CHECK_INT(d.len, 0);
    stk_diags_free(&d);
}

/* ---- retry ----------------------------------------------------------- */

static void test_retry_classify(void)
{
    CHECK_INT(stk_aws_retry_classify(400, "Throttling", 0), STK_AWS_RETRY_THROTTLE);
    CHECK_INT(stk_aws_retry_classify(503, "SlowDown", 0), STK_AWS_RETRY_THROTTLE);
    CHECK_INT(stk_aws_retry_classify(400, "RequestLimitExceeded", 0), STK_AWS_RETRY_THROTTLE);
    CHECK_INT(stk_aws_retry_classify(400, "ProvisionedThroughputExceededException", 0), STK_AWS_RETRY_THROTTLE);
    CHECK_INT(stk_aws_retry_classify(429, NULL, 0), STK_AWS_RETRY_THROTTLE);
    CHECK_INT(stk_aws_retry_classify(500, "InternalError", 0), STK_AWS_RETRY_TRANSIENT);
    CHECK_INT(stk_aws_retry_classify(502, NULL, 0), STK_AWS_RETRY_TRANSIENT);
    CHECK_INT(stk_aws_retry_classify(503, NULL, 0), STK_AWS_RETRY_TRANSIENT);
    CHECK_INT(stk_aws_retry_classify(504, NULL, 0), STK_AWS_RETRY_TRANSIENT);
    CHECK_INT(stk_aws_retry_classify(400, "RequestTimeout", 0), STK_AWS_RETRY_TRANSIENT);
    CHECK_INT(stk_aws_retry_classify(400, "ValidationError", 0), STK_AWS_RETRY_NO);
    CHECK_INT(stk_aws_retry_classify(404, "NoSuchBucket", 0), STK_AWS_RETRY_NO);
    CHECK_INT(stk_aws_retry_classify(501, "NotImplemented", 0), STK_AWS_RETRY_NO);
    CHECK_INT(stk_aws_retry_classify(0, NULL, STK_AWS_TRANSPORT_ERROR), STK_AWS_RETRY_TRANSPORT);
    CHECK_INT(stk_aws_retry_classify(0, NULL, STK_AWS_TRANSPORT_TIMEOUT), STK_AWS_RETRY_TIMEOUT);
    CHECK_INT(stk_aws_retry_classify(0, NULL, STK_AWS_TRANSPORT_CONNECT), STK_AWS_RETRY_CONNECT);
}

static void test_backoff(void)
{
    CHECK_INT(stk_aws_retry_backoff_ms(1, 1000, 0.5), 500);
    CHECK_INT(stk_aws_retry_backoff_ms(2, 1000, 0.5), 1000);
    CHECK_INT(stk_aws_retry_backoff_ms(3, 1000, 0.5), 2000);
    CHECK_INT(stk_aws_retry_backoff_ms(10, 1000, 0.5), 10000);   /* capped at 20 s */
    CHECK_INT(stk_aws_retry_backoff_ms(40, 1000, 0.999), 19980);
    CHECK_INT(stk_aws_retry_backoff_ms(3, 1000, 0.0), 0);
    CHECK_INT(stk_aws_retry_backoff_ms(3, 0, 0.9), 0);
}

static stk_aws_client *test_client(int max_retries)
{
    setenv("AWS_ACCESS_KEY_ID", "AKIATEST", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "testsecret", 1);
    stk_aws_config cfg = {.region = "us-east-1", .max_retries = max_retries};
    stk_diags d = STK_DIAGS_INIT;
    stk_aws_client *c = stk_aws_client_new(&cfg, &d);
    stk_diags_free(&d);
    return c;
}

static void test_retry_decisions(void)
{
    fresh_env();
    stk_aws_client *c = test_client(0);
    CHECK(c != NULL);
    if (!c) return;
    stk_aws_retry r;
    stk_aws_retry_begin(c, &r);
    CHECK_INT(r.attempt, 1);
    CHECK_INT(r.max_attempts, 5);
    /* four retries of a throttled call, then give up at attempt 5 */
    for (int i = 0; i < 4; i++) CHECK_INT(stk_aws_retry_should(c, &r, 400, "ThrottlingException", 0, 0), 1);
    CHECK_INT(r.attempt, 5);
    CHECK_INT(stk_aws_retry_should(c, &r, 400, "ThrottlingException", 0, 0), 0);
    CHECK_INT(stk_aws_client_retry_count(c), 4);
    CHECK_INT(stk_aws_client_retry_quota(c), 500 - 4 * 5);
    /* success after retries gives back the last retry's cost */
    stk_aws_retry_success(c, &r);
    CHECK_INT(stk_aws_client_retry_quota(c), 500 - 3 * 5);
    /* a timeout costs 10 */
    stk_aws_retry_begin(c, &r);
    CHECK_INT(stk_aws_retry_should(c, &r, 0, NULL, STK_AWS_TRANSPORT_TIMEOUT, 1), 1);
    CHECK_INT(stk_aws_client_retry_quota(c), 500 - 3 * 5 - 10);
    stk_aws_retry_success(c, &r);
    CHECK_INT(stk_aws_client_retry_quota(c), 500 - 3 * 5);
    /* a first-try success adds one token, never above 500 */
    stk_aws_retry_begin(c, &r);
    stk_aws_retry_success(c, &r);
    CHECK_INT(stk_aws_client_retry_quota(c), 500 - 3 * 5 + 1);
    for (int i = 0; i < 40; i++) {
        stk_aws_retry_begin(c, &r);
        stk_aws_retry_success(c, &r);
    }
    CHECK_INT(stk_aws_client_retry_quota(c), 500);
    /* not retried: a client error, and a 5xx / broken connection of a
       non-idempotent create; retried: throttling and connect failures */
    stk_aws_retry_begin(c, &r);
    CHECK_INT(stk_aws_retry_should(c, &r, 400, "InvalidParameterValue", 0, 1), 0);
    CHECK_INT(stk_aws_retry_should(c, &r, 503, "ServiceUnavailable", 0, 0), 0);
    CHECK_INT(stk_aws_retry_should(c, &r, 0, NULL, STK_AWS_TRANSPORT_ERROR, 0), 0);
    CHECK_INT(stk_aws_retry_should(c, &r, 0, NULL, STK_AWS_TRANSPORT_TIMEOUT, 0), 0);
    CHECK_INT(stk_aws_retry_should(c, &r, 400, "RequestLimitExceeded", 0, 0), 1);
    CHECK_INT(stk_aws_retry_should(c, &r, 0, NULL, STK_AWS_TRANSPORT_CONNECT, 0), 1);
    CHECK_INT(stk_aws_retry_should(c, &r, 503, "ServiceUnavailable", 0, 1), 1);
    CHECK_INT(r.attempt, 4);
    stk_aws_client_free(c);

    /* max_retries counts retries: 2 -> 3 attempts */
    c = test_client(2);
    stk_aws_retry_begin(c, &r);
    CHECK_INT(r.max_attempts, 3);
    stk_aws_client_free(c);
}

static void test_retry_quota_exhaustion(void)
{
    fresh_env();
    stk_aws_client *c = test_client(0);
    if (!c) { CHECK(c != NULL); return; }
    /* 500 tokens / 5 per retry = 100 retries, then the quota says no */
    int granted = 0;
    for (int call = 0; call < 60; call++) {
        stk_aws_retry r;
        stk_aws_retry_begin(c, &r);
        while (stk_aws_retry_should(c, &r, 503, NULL, 0, 1)) granted++;
    }
    CHECK_INT(granted, 100);
    CHECK_INT(stk_aws_client_retry_quota(c), 0);
    CHECK_INT(stk_aws_client_retry_count(c), 100);
    stk_aws_retry r;
    stk_aws_retry_begin(c, &r);
    CHECK_INT(stk_aws_retry_should(c, &r, 400, "Throttling", 0, 1), 0);
    stk_aws_client_free(c);
}

/* the process-wide totals apply reports: calls, retries by cause, give-ups */
static void test_retry_totals(void)
{
    fresh_env();
    stk_aws_client *c = test_client(0);
    if (!c) { CHECK(c != NULL); return; }
    stk_aws_retry_totals a, b;
    stk_aws_retry_totals_get(&a);
    stk_aws_retry r;
    stk_aws_retry_begin(c, &r);
    CHECK_INT(stk_aws_retry_should(c, &r, 400, "Throttling", 0, 1), 1);
    CHECK_INT(r.uncertain, 0);   /* a throttled attempt was not processed */
    CHECK_INT(stk_aws_retry_should(c, &r, 500, "InternalError", 0, 1), 1);
    CHECK_INT(r.uncertain, 1);
    CHECK_INT(stk_aws_retry_should(c, &r, 0, NULL, STK_AWS_TRANSPORT_ERROR, 1), 1);
    CHECK_INT(stk_aws_retry_should(c, &r, 0, NULL, STK_AWS_TRANSPORT_CONNECT, 1), 1);
    stk_aws_retry_success(c, &r);
    stk_aws_retry_begin(c, &r);
    CHECK_INT(r.uncertain, 0);
    CHECK_INT(stk_aws_retry_should(c, &r, 503, "ServiceUnavailable", 0, 0), 0);   /* a create: gave up */
    CHECK_INT(r.uncertain, 1);                                                   /* AWS may have made it */
    CHECK_INT(stk_aws_retry_should(c, &r, 400, "ValidationError", 0, 1), 0);     /* not retryable: not counted */
    stk_aws_retry_totals_get(&b);
    CHECK_INT(b.calls - a.calls, 2);
    CHECK_INT(b.retries - a.retries, 4);
    CHECK_INT(b.throttled - a.throttled, 1);
    CHECK_INT(b.server - a.server, 1);
    CHECK_INT(b.transport - a.transport, 2);
    CHECK_INT(b.gave_up - a.gave_up, 1);
    char *line = stk_aws_retry_totals_describe(&b);
    CHECK(strncmp(line, "AWS calls: ", 11) == 0 && strstr(line, "retries: ") && strstr(line, "gave up: "));
    free(line);
    stk_aws_client_free(c);
}

/* ---- logging --------------------------------------------------------- */

static void test_redaction(void)
{
    const char *secrets[] = {"wJalrXUtnFEMIsecret", NULL, "tok-123456"};
    char *s = stk_aws_log_redact("key wJalrXUtnFEMIsecret and tok-123456 end", secrets, 3);
    CHECK_STR(s, "key [REDACTED] and [REDACTED] end");
    free(s);
    s = stk_aws_log_redact("Authorization: AWS4-HMAC-SHA256 Credential=AKID/x, Signature=abc\nnext", NULL, 0);
    CHECK_STR(s, "Authorization: [REDACTED]\nnext");
    free(s);
    s = stk_aws_log_redact("X-Amz-Security-Token: FQoGZXIvYXdzEJr&x=1", NULL, 0);
    CHECK_STR(s, "X-Amz-Security-Token: [REDACTED]&x=1");
    free(s);
    s = stk_aws_log_redact("https://h/?X-Amz-Signature=abcdef&a=b", NULL, 0);
    CHECK_STR(s, "https://h/?X-Amz-Signature=[REDACTED]&a=b");
    free(s);
    s = stk_aws_log_redact("{\"SecretAccessKey\": \"abc/def\", \"AccessKeyId\": \"AKIA\"}", NULL, 0);
    CHECK_STR(s, "{\"SecretAccessKey\": \"[REDACTED]\", \"AccessKeyId\": \"AKIA\"}");
    free(s);
}

/* ---- a tiny local HTTP server (response cap, connect failures) -------- */

static int listen_loopback(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t l = sizeof a;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 4) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &l) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

static void *huge_server(void *arg)
{
    int lfd = *(int *)arg;
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0) return NULL;
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf);
    (void)n;
    const char *hdr = "HTTP/1.1 200 OK\r\nContent-Length: 104857600\r\nX-Test: Yes\r\n\r\n";
    if (write(fd, hdr, strlen(hdr)) < 0) { close(fd); return NULL; }
    memset(buf, 'x', sizeof buf);
    for (long sent = 0; sent < 100L * 1024 * 1024; sent += (long)sizeof buf)
        if (write(fd, buf, sizeof buf) <= 0) break;
    close(fd);
    return NULL;
}

static void test_response_cap_and_connect_failure(void)
{
    fresh_env();
    signal(SIGPIPE, SIG_IGN);
    int port;
    int lfd = listen_loopback(&port);
    CHECK(lfd >= 0);
    if (lfd < 0) return;
    char *url = stk_xasprintf("http://127.0.0.1:%d", port);
    setenv("AWS_ENDPOINT_URL", url, 1);
    stk_aws_client *c = test_client(0);
    pthread_t th;
    pthread_create(&th, NULL, huge_server, &lfd);
    stk_aws_request req = {.method = "GET", .path = "/"};
    stk_aws_response resp;
    CHECK_INT(stk_aws_client_send(c, "ec2", "ec2", &req, &resp), -1);
    CHECK(resp.transport_error && strstr(resp.transport_error, "64 MiB"));
    CHECK_INT(stk_aws_response_transport_kind(&resp), STK_AWS_TRANSPORT_ERROR);
    stk_aws_response_free(&resp);
    pthread_join(th, NULL);
    close(lfd);
    /* the port is closed now: a connect failure, safe to retry */
    CHECK_INT(stk_aws_client_send(c, "ec2", "ec2", &req, &resp), -1);
    CHECK_INT(resp.status, 0);
    CHECK_INT(stk_aws_response_transport_kind(&resp), STK_AWS_TRANSPORT_CONNECT);
    stk_aws_response_free(&resp);
    stk_aws_client_free(c);
    free(url);
}

static void test_timeout_and_refresh(void)
{
    fresh_env();
    /* a server that never answers: the request timeout fires */
    int port;
    int lfd = listen_loopback(&port);
    CHECK(lfd >= 0);
    if (lfd < 0) return;
    char *url = stk_xasprintf("http://127.0.0.1:%d", port);
    setenv("AWS_ENDPOINT_URL", url, 1);
    /* credentials from a process whose keys expire in a minute: refreshed
       before each request */
    char *script = stk_xasprintf(
        "#!/bin/sh\nn=$(cat '%s/count' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '%s/count'\n"
        "e=$(date -u -d '+60 seconds' +%%Y-%%m-%%dT%%H:%%M:%%SZ)\n"
        "echo \"{\\\"Version\\\": 1, \\\"AccessKeyId\\\": \\\"AKIAREFRESH$n\\\", "
        "\\\"SecretAccessKey\\\": \\\"s$n\\\", \\\"Expiration\\\": \\\"$e\\\"}\"\n",
        tmpdir, tmpdir);
    write_file("refresh.sh", script, 0700);
    free(script);
    char *conf = stk_xasprintf("[default]\ncredential_process = %s/refresh.sh\n", tmpdir);
    write_file(".aws/config", conf, 0600);
    free(conf);
    stk_aws_config cfg = {.region = "us-east-1", .request_timeout_ms = 300};
    stk_diags d = STK_DIAGS_INIT;
    stk_aws_client *c = stk_aws_client_new(&cfg, &d);
    CHECK(c != NULL);
    if (!c) { close(lfd); free(url); stk_diags_free(&d); return; }
    char *k = stk_aws_client_access_key_id(c);
    CHECK_STR(k, "AKIAREFRESH1");
    free(k);
    stk_aws_request req = {.method = "GET", .path = "/"};
    stk_aws_response resp;
    CHECK_INT(stk_aws_client_send(c, "ec2", "ec2", &req, &resp), -1);
    CHECK_INT(resp.timed_out, 1);
    CHECK_INT(stk_aws_response_transport_kind(&resp), STK_AWS_TRANSPORT_TIMEOUT);
    stk_aws_response_free(&resp);
    k = stk_aws_client_access_key_id(c);
    CHECK_STR(k, "AKIAREFRESH2");
    free(k);
    stk_aws_client_free(c);
    close(lfd);
    free(url);
    stk_diags_free(&d);
}

/* ---- moto ------------------------------------------------------------ */

static pid_t moto_pid;
static int moto_port;

static int moto_start(const char *no_auth_count)
{
    if (system("python3 -c 'import moto.server' >/dev/null 2>&1") != 0) return -1;
    int lfd = listen_loopback(&moto_port);
    if (lfd < 0) return -1;
    close(lfd);
    char port[16];
    snprintf(port, sizeof port, "%d", moto_port);
    moto_pid = fork();
    if (moto_pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 1);
        dup2(devnull, 2);
        if (no_auth_count) setenv("INITIAL_NO_AUTH_ACTION_COUNT", no_auth_count, 1);
        execlp("python3", "python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", port, (char *)NULL);
        _exit(127);
    }
    if (moto_pid < 0) return -1;
    /* wait until it accepts connections (up to 30 s) */
    for (int i = 0; i < 300; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a;
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_port = htons((uint16_t)moto_port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
        close(fd);
        if (ok) return 0;
        int st;
        if (waitpid(moto_pid, &st, WNOHANG) == moto_pid) return -1;
        struct timespec ts = {0, 100000000L};
        nanosleep(&ts, NULL);
    }
    return -1;
}

static void moto_stop(void)
{
    if (moto_pid > 0) {
        kill(moto_pid, SIGTERM);
        waitpid(moto_pid, NULL, 0);
        moto_pid = 0;
    }
}

/* ---- limiter (STK_AWS_MAX_IN_FLIGHT) ---- */

typedef struct {
    stk_aws_limiter *l;
    int priority;
    pthread_mutex_t *mu;
    int *order, *n;
} lim_arg;

static void *lim_worker(void *p)
{
    lim_arg *a = p;
    stk_aws_limiter_acquire(a->l, a->priority);
    pthread_mutex_lock(a->mu);
    a->order[(*a->n)++] = a->priority;
    pthread_mutex_unlock(a->mu);
    stk_aws_limiter_release(a->l);
    return NULL;
}

static void test_limiter(void)
{
    setenv("STK_AWS_MAX_IN_FLIGHT", "3", 1);
    CHECK_INT(stk_aws_limiter_env_max(), 3);
    setenv("STK_AWS_MAX_IN_FLIGHT", "x", 1);
    CHECK_INT(stk_aws_limiter_env_max(), 0);
    unsetenv("STK_AWS_MAX_IN_FLIGHT");
    CHECK_INT(stk_aws_limiter_env_max(), 0);
    /* no cap: nothing waits */
    stk_aws_limiter *free_l = stk_aws_limiter_new(0);
    for (int i = 0; i < 100; i++) stk_aws_limiter_acquire(free_l, 0);
    for (int i = 0; i < 100; i++) stk_aws_limiter_release(free_l);
    stk_aws_limiter_free(free_l);
    /* cap 1, held: five callers queue; freed, they go by priority, equal
       priorities in their order of arrival */
    stk_aws_limiter *l = stk_aws_limiter_new(1);
    stk_aws_limiter_acquire(l, 0);
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    int order[5], n = 0;
    int prios[5] = {1, 5, 3, 5, 2};
    lim_arg a[5];
    pthread_t th[5];
    for (int i = 0; i < 5; i++) {
        a[i] = (lim_arg){l, prios[i], &mu, order, &n};
        pthread_create(&th[i], NULL, lim_worker, &a[i]);
        struct timespec ts = {0, 30 * 1000000L};   /* let each one queue before the next */
        nanosleep(&ts, NULL);
    }
    pthread_mutex_lock(&mu);
    CHECK_INT(n, 0);   /* all waiting while the slot is held */
    pthread_mutex_unlock(&mu);
    stk_aws_limiter_release(l);
    for (int i = 0; i < 5; i++) pthread_join(th[i], NULL);
    CHECK_INT(n, 5);
    CHECK(order[0] == 5 && order[1] == 5 && order[2] == 3 && order[3] == 2 && order[4] == 1);
    stk_aws_limiter_free(l);
}

static void test_moto_sts(void)
{
    fresh_env();
    if (moto_start(NULL) != 0) {
        moto_stop();
        stk_test_skip("test_moto_sts", "python3 -m moto.server is not available");
        return;
    }
    char *url = stk_xasprintf("http://127.0.0.1:%d", moto_port);
    setenv("AWS_ENDPOINT_URL", url, 1);
    setenv("AWS_SESSION_TOKEN", "FQoGsessiontokenvalue", 1);
    stk_aws_client *c = test_client(0);
    CHECK(c != NULL);
    if (!c) { moto_stop(); free(url); return; }

    /* log to a temporary file to check what STK_LOG=debug writes */
    FILE *logf = tmpfile();
    stk_aws_log_set_stream(logf);
    setenv("STK_LOG", "debug", 1);

    char body[] = "Action=GetCallerIdentity&Version=2011-06-15";
    stk_http_header h[] = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    stk_aws_request req = {.method = "POST", .path = "/", .headers = h, .nheaders = 1,
                           .body = (unsigned char *)body, .body_len = strlen(body)};
    stk_aws_response resp;
    stk_aws_retry r;
    stk_aws_retry_begin(c, &r);
    int rc = stk_aws_client_send(c, "sts", "sts", &req, &resp);
    CHECK_INT(rc, 0);
    CHECK_INT(resp.status, 200);
    CHECK(resp.body && strstr((char *)resp.body, "GetCallerIdentityResponse"));
    CHECK(resp.body && strstr((char *)resp.body, "<Account>"));
    CHECK(stk_aws_response_header(&resp, "content-type") != NULL);
    for (size_t i = 0; i < resp.nheaders; i++)
        for (const char *p = resp.headers[i].name; *p; p++) CHECK(!(*p >= 'A' && *p <= 'Z'));
    stk_aws_retry_success(c, &r);
    stk_aws_response_free(&resp);

    /* a second call reuses the pooled handle; an unknown action is a 4xx */
    char bad[] = "Action=NoSuchAction&Version=2011-06-15";
    req.body = (unsigned char *)bad;
    req.body_len = strlen(bad);
    req.operation = "NoSuchAction";
    CHECK_INT(stk_aws_client_send(c, "sts", "sts", &req, &resp), 0);
    CHECK(resp.status >= 400);
    stk_aws_response_free(&resp);

    unsetenv("STK_LOG");
    stk_aws_log_set_stream(NULL);
    fflush(logf);
    rewind(logf);
    stk_strbuf log = STK_STRBUF_INIT;
    char buf[1024];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, logf)) > 0) stk_strbuf_add(&log, buf, n);
    fclose(logf);
    const char *L = stk_strbuf_cstr(&log);
    CHECK(strstr(L, "sts GetCallerIdentity POST") != NULL);
    CHECK(strstr(L, "-> 200") != NULL);
    CHECK(strstr(L, "attempt 1") != NULL);
    CHECK(strstr(L, "sts NoSuchAction POST") != NULL);
    CHECK(strstr(L, "testsecret") == NULL);
    CHECK(strstr(L, "FQoGsessiontokenvalue") == NULL);
    if (stk_t_case_failed) fprintf(stderr, "log was:\n%s", L);
    stk_strbuf_free(&log);
    stk_aws_client_free(c);

    /* a wrong S3 bucket route still signs with x-amz-content-sha256: list buckets */
    c = test_client(0);
    stk_aws_request s3req = {.method = "GET", .path = "/"};
    CHECK_INT(stk_aws_client_send(c, "s3", "s3", &s3req, &resp), 0);
    CHECK_INT(resp.status, 200);
    CHECK(resp.body && strstr((char *)resp.body, "ListAllMyBucketsResult"));
    stk_aws_response_free(&resp);
    /* path-style bucket creation on the IP endpoint, then HEAD it */
    stk_aws_request mk = {.method = "PUT", .host_prefix = "stk-test-bucket.", .path = "/"};
    CHECK_INT(stk_aws_client_send(c, "s3", "s3", &mk, &resp), 0);
    CHECK_INT(resp.status, 200);
    stk_aws_response_free(&resp);
    stk_aws_request head = {.method = "HEAD", .host_prefix = "stk-test-bucket.", .path = "/"};
    CHECK_INT(stk_aws_client_send(c, "s3", "s3", &head, &resp), 0);
    CHECK_INT(resp.status, 200);
    stk_aws_response_free(&resp);
    stk_aws_client_free(c);
    moto_stop();
    free(url);
}

/* One call; returns the HTTP status (0 on transport failure) and, when
   body_out is given, the response body. */
static long call(stk_aws_client *c, const char *svc, const char *method, const char *host_prefix,
                 const char *path, const char *target, const char *body, char **body_out)
{
    stk_http_header h[2];
    size_t nh = 0;
    if (target) {
        h[nh++] = (stk_http_header){"X-Amz-Target", (char *)target};
        h[nh++] = (stk_http_header){"Content-Type", "application/x-amz-json-1.0"};
    } else if (body && strcmp(svc, "s3") != 0) {
        h[nh++] = (stk_http_header){"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"};
    }
    stk_aws_request req = {.method = method, .host_prefix = (char *)host_prefix, .path = (char *)path,
                           .headers = h, .nheaders = nh, .body = (unsigned char *)body,
                           .body_len = body ? strlen(body) : 0};
    stk_aws_response resp;
    long st = stk_aws_client_send(c, svc, svc, &req, &resp) == 0 ? resp.status : 0;
    if (body_out) *body_out = stk_xstrdup(resp.body ? (char *)resp.body : "");
    stk_aws_response_free(&resp);
    return st;
}

static char *xml_text(const char *xml, const char *tag)
{
    char *open = stk_xasprintf("<%s>", tag);
    const char *s = strstr(xml, open);
    char *v = NULL;
    if (s) {
        s += strlen(open);
        const char *e = strchr(s, '<');
        if (e) v = stk_xstrndup(s, (size_t)(e - s));
    }
    free(open);
    return v;
}

/* moto with SigV4 enforced: an IAM user's real key passes for query, ec2,
   json and rest-xml services; a wrong secret gets SignatureDoesNotMatch. */
static void test_moto_signature_enforced(void)
{
    fresh_env();
    if (moto_start("3") != 0) {
        moto_stop();
        stk_test_skip("test_moto_signature_enforced", "python3 -m moto.server is not available");
        return;
    }
    char *url = stk_xasprintf("http://127.0.0.1:%d", moto_port);
    setenv("AWS_ENDPOINT_URL", url, 1);
    stk_aws_client *boot = test_client(0);
    char *out = NULL;
    CHECK_INT(call(boot, "iam", "POST", NULL, "/", NULL, "Action=CreateUser&UserName=stk&Version=2010-05-08", NULL), 200);
    CHECK_INT(call(boot, "iam", "POST", NULL, "/", NULL,
                   "Action=PutUserPolicy&UserName=stk&PolicyName=all&Version=2010-05-08&PolicyDocument="
                   "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C"
                   "%22Action%22%3A%22%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D", NULL), 200);
    CHECK_INT(call(boot, "iam", "POST", NULL, "/", NULL, "Action=CreateAccessKey&UserName=stk&Version=2010-05-08", &out), 200);
    stk_aws_client_free(boot);
    char *ak = out ? xml_text(out, "AccessKeyId") : NULL;
    char *sk = out ? xml_text(out, "SecretAccessKey") : NULL;
    free(out);
    CHECK(ak && sk);
    if (!ak || !sk) { free(ak); free(sk); moto_stop(); free(url); return; }

    stk_aws_config cfg = {.region = "us-east-1", .access_key = ak, .secret_key = sk};
    stk_diags d = STK_DIAGS_INIT;
    stk_aws_client *c = stk_aws_client_new(&cfg, &d);
    CHECK(c != NULL);
    CHECK_INT(call(c, "sts", "POST", NULL, "/", NULL, "Action=GetCallerIdentity&Version=2011-06-15", &out), 200);
    CHECK(strstr(out, "user/stk") != NULL);
    free(out);
    CHECK_INT(call(c, "ec2", "POST", NULL, "/", NULL, "Action=DescribeVpcs&Version=2016-11-15", NULL), 200);
    CHECK_INT(call(c, "dynamodb", "POST", NULL, "/", "DynamoDB_20120810.ListTables", "{}", NULL), 200);
    CHECK_INT(call(c, "s3", "PUT", "stk-signed.", "/", NULL, NULL, NULL), 200);
    CHECK_INT(call(c, "s3", "PUT", "stk-signed.", "/dir/my%20key.txt", NULL, "hello", NULL), 200);
    CHECK_INT(call(c, "s3", "GET", "stk-signed.", "/dir/my%20key.txt", NULL, NULL, &out), 200);
    CHECK_STR(out, "hello");
    free(out);
    CHECK_INT(call(c, "s3", "GET", NULL, "/", NULL, NULL, &out), 200);
    CHECK(strstr(out, "stk-signed") != NULL);
    free(out);
    stk_aws_client_free(c);

    /* the same key with a wrong secret */
    cfg.secret_key = "wrong-secret-wrong-secret";
    c = stk_aws_client_new(&cfg, &d);
    CHECK_INT(call(c, "sts", "POST", NULL, "/", NULL, "Action=GetCallerIdentity&Version=2011-06-15", &out), 403);
    CHECK(strstr(out, "SignatureDoesNotMatch") != NULL);
    free(out);
    CHECK_INT(call(c, "s3", "GET", "stk-signed.", "/dir/my%20key.txt", NULL, NULL, &out), 403);
    CHECK(strstr(out, "SignatureDoesNotMatch") != NULL);
    free(out);
    stk_aws_client_free(c);
    CHECK_INT(d.len, 0);
    stk_diags_free(&d);
    free(ak);
    free(sk);
    moto_stop();
    free(url);
}

/* Many threads share one client (pooled handles, shared quota). */
typedef struct {
    stk_aws_client *c;
    int ok;
} thr_arg;

static void *thr_calls(void *p)
{
    thr_arg *a = p;
    for (int i = 0; i < 10; i++) {
        stk_aws_retry r;
        stk_aws_retry_begin(a->c, &r);
        long st = call(a->c, "sts", "POST", NULL, "/", NULL, "Action=GetCallerIdentity&Version=2011-06-15", NULL);
        if (st == 200) {
            stk_aws_retry_success(a->c, &r);
            a->ok++;
        }
    }
    return NULL;
}

static void test_moto_threads(void)
{
    fresh_env();
    if (moto_start(NULL) != 0) {
        moto_stop();
        stk_test_skip("test_moto_threads", "python3 -m moto.server is not available");
        return;
    }
    char *url = stk_xasprintf("http://127.0.0.1:%d", moto_port);
    setenv("AWS_ENDPOINT_URL", url, 1);
    stk_aws_client *c = test_client(0);
    pthread_t th[6];
    thr_arg args[6];
    for (int i = 0; i < 6; i++) {
        args[i] = (thr_arg){c, 0};
        pthread_create(&th[i], NULL, thr_calls, &args[i]);
    }
    int ok = 0;
    for (int i = 0; i < 6; i++) {
        pthread_join(th[i], NULL);
        ok += args[i].ok;
    }
    CHECK_INT(ok, 60);
    CHECK_INT(stk_aws_client_retry_quota(c), 500);
    stk_aws_client_free(c);
    moto_stop();
    free(url);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "%s/stk-aws-client-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    STK_RUN(test_static_wins);
    STK_RUN(test_env_over_files);
    STK_RUN(test_profiles);
    STK_RUN(test_credential_process);
    STK_RUN(test_no_credentials);
    STK_RUN(test_region_order);
    STK_RUN(test_endpoint_defaults);
    STK_RUN(test_endpoint_overrides);
    STK_RUN(test_s3_path_style);
    STK_RUN(test_retry_classify);
    STK_RUN(test_backoff);
    STK_RUN(test_retry_decisions);
    STK_RUN(test_retry_quota_exhaustion);
    STK_RUN(test_retry_totals);
    STK_RUN(test_redaction);
    STK_RUN(test_response_cap_and_connect_failure);
    STK_RUN(test_timeout_and_refresh);
    STK_RUN(test_limiter);
    STK_RUN(test_moto_sts);
    STK_RUN(test_moto_signature_enforced);
    STK_RUN(test_moto_threads);
    char *cmd = stk_xasprintf("rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
    free(cmd);
    return stk_test_report();
}
