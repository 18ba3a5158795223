/* fuzz_aws_parse.c - libFuzzer target over the AWS response parsers: the
 * bytes (after a first byte choosing the operation) are parsed as a
 * success and as an error response of each wire protocol (ec2, query, json,
 * rest-xml with an XML payload and a raw payload).  Responses come from
 * the network, so "no crash, no leak, no sanitizer report" matters; the
 * target also checks that every success result is a JSON object and every
 * error carries a code. */
#include "aws/protocol/call.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *ops[][2] = {
    {"ec2", "DescribeInstances"}, {"ec2", "CreateVpc"},         {"elbv2", "DescribeLoadBalancers"},
    {"sns", "GetTopicAttributes"}, {"monitoring", "DescribeAlarms"}, {"dynamodb", "DescribeTable"},
    {"logs", "DescribeLogGroups"}, {"s3", "ListObjectsV2"},    {"s3", "GetObject"},
    {"s3", "GetBucketLocation"},  {"cloudfront", "GetDistribution"}, {"iam", "GetRole"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    size_t which = data[0] % (sizeof ops / sizeof ops[0]);
    stk_aws_response resp;
    memset(&resp, 0, sizeof resp);
    resp.body = malloc(size);
    memcpy(resp.body, data + 1, size - 1);
    resp.body[size - 1] = 0;
    resp.body_len = size - 1;
    const long statuses[] = {200, 400, 404, 503};
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        resp.status = statuses[i];
        json_t *r = NULL;
        stk_aws_error e;
        memset(&e, 0, sizeof e);
        stk_diags d = STK_DIAGS_INIT;
        int rc = stk_aws_parse(ops[which][0], ops[which][1], &resp, &r, &e, NULL, NULL, &d);
        if (rc == 0 && !json_is_object(r)) abort();
        if (rc == 1 && !e.code) abort();
        json_decref(r);
        stk_aws_error_clear(&e);
        stk_diags_free(&d);
    }
    free(resp.body);
    return 0;
}
