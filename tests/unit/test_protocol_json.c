/* test_protocol_json.c - the JSON 1.0/1.1 protocol (dynamodb, logs, ecr):
 * exact X-Amz-Target, Content-Type and bodies; responses saved from moto,
 * timestamps, and __type errors with their prefixes stripped. */
#include "test.h"
#include "tests/protocol/proto_test.h"

static void check_json(const char *svc, const char *op, const char *params, const char *target, const char *ctype,
                       const char *want)
{
    stk_aws_request req;
    int rc = pt_ser(svc, op, params, &req);
    CHECK_INT(rc, 0);
    if (rc) return;
    CHECK_STR(req.method, "POST");
    CHECK_STR(req.path, "/");
    CHECK_STR(pt_header(&req, "X-Amz-Target"), target);
    CHECK_STR(pt_header(&req, "Content-Type"), ctype);
    CHECK_STR(pt_body(&req), want);
    stk_aws_request_clear(&req);
}

static void dynamodb_put_item_conditional(void)
{
    check_json("dynamodb", "PutItem",
               "{\"TableName\":\"locks\",\"Item\":{\"LockID\":{\"S\":\"b/k\"},\"Info\":{\"S\":\"x\"},\"N\":{\"N\":\"3\"}},"
               "\"ConditionExpression\":\"attribute_not_exists(LockID)\",\"Expected\":{\"Other\":{\"Exists\":false}}}",
               "DynamoDB_20120810.PutItem", "application/x-amz-json-1.0",
               "{\"TableName\":\"locks\",\"Item\":{\"LockID\":{\"S\":\"b/k\"},\"Info\":{\"S\":\"x\"},\"N\":{\"N\":\"3\"}},"
               "\"ConditionExpression\":\"attribute_not_exists(LockID)\",\"Expected\":{\"Other\":{\"Exists\":false}}}");
    check_json("dynamodb", "ListTables", NULL, "DynamoDB_20120810.ListTables", "application/x-amz-json-1.0", "{}");
}

static void logs_and_ecr(void)
{
    check_json("logs", "CreateLogGroup", "{\"logGroupName\":\"/app/web\",\"tags\":{\"env\":\"prod\"}}",
               "Logs_20140328.CreateLogGroup", "application/x-amz-json-1.1",
               "{\"logGroupName\":\"/app/web\",\"tags\":{\"env\":\"prod\"}}");
    check_json("logs", "PutRetentionPolicy", "{\"logGroupName\":\"/app/web\",\"retentionInDays\":30}",
               "Logs_20140328.PutRetentionPolicy", "application/x-amz-json-1.1",
               "{\"logGroupName\":\"/app/web\",\"retentionInDays\":30}");
    check_json("ecr", "CreateRepository",
               "{\"repositoryName\":\"app\",\"imageScanningConfiguration\":{\"scanOnPush\":true},"
               "\"imageTagMutability\":\"MUTABLE\"}",
               "AmazonEC2ContainerRegistry_V20150921.CreateRepository", "application/x-amz-json-1.1",
               "{\"repositoryName\":\"app\",\"imageScanningConfiguration\":{\"scanOnPush\":true},"
               "\"imageTagMutability\":\"MUTABLE\"}");
}

static void timestamps_in_json(void)
{
    /* logs times are longs (epoch milliseconds) and pass unchanged */
    check_json("logs", "FilterLogEvents",
               "{\"logGroupName\":\"g\",\"startTime\":1700000000000}", "Logs_20140328.FilterLogEvents",
               "application/x-amz-json-1.1", "{\"logGroupName\":\"g\",\"startTime\":1700000000000}");
    stk_aws_request req;
    CHECK_INT(pt_ser("dynamodb", "Query",
                     "{\"TableName\":\"t\",\"KeyConditionExpression\":\"pk = :v\",\"ExpressionAttributeValues\":"
                     "{\":v\":{\"B\":\"hi\"}}}",
                     &req), 0);
    /* blobs are base64 in JSON */
    CHECK(strstr(pt_body(&req), "{\":v\":{\"B\":\"aGk=\"}}") != NULL);
    stk_aws_request_clear(&req);
}

static void json_parse_responses(void)
{
    json_t *r = NULL;
    stk_aws_error e;
    const char *h[] = {"x-amzn-RequestId", "nMLx", NULL};
    CHECK_INT(pt_parse("dynamodb", "CreateTable", "dynamodb_create_table.json", NULL, 200, h, &r, &e), 0);
    CHECK_STR(pt_str(r, "TableDescription.TableName"), "locks");
    CHECK_STR(pt_str(r, "TableDescription.TableStatus"), "ACTIVE");
    CHECK_STR(pt_str(r, "TableDescription.KeySchema[0].AttributeName"), "LockID");
    CHECK_STR(pt_str(r, "TableDescription.BillingModeSummary.BillingMode"), "PAY_PER_REQUEST");
    /* epoch 1795704385.465 -> ISO 8601 */
    CHECK_STR(pt_str(r, "TableDescription.CreationDateTime"), "2026-11-26T14:46:25.465Z");
    CHECK_STR(pt_str(r, "ResponseMetadata.RequestId"), "nMLx");
    json_decref(r);

    CHECK_INT(pt_parse("dynamodb", "DescribeTable", "dynamodb_error.json", NULL, 400, h, &r, &e), 1);
    CHECK_STR(e.code, "ResourceNotFoundException");
    CHECK_STR(e.message, "Requested resource not found: Table: nope not found");
    CHECK_STR(e.request_id, "nMLx");
    CHECK_INT(e.status, 400);
    stk_aws_error_clear(&e);

    /* "Message" spelling and a code only in the x-amzn-ErrorType header */
    CHECK_INT(pt_parse("logs", "CreateLogGroup", NULL,
                       "{\"__type\":\"ResourceAlreadyExistsException\",\"Message\":\"exists\"}", 400, NULL, &r, &e),
              1);
    CHECK_STR(e.code, "ResourceAlreadyExistsException");
    CHECK_STR(e.message, "exists");
    stk_aws_error_clear(&e);
    const char *h2[] = {"x-amzn-ErrorType", "ThrottlingException:http://internal.amazon.com/coral/", NULL};
    CHECK_INT(pt_parse("ecr", "DescribeRepositories", NULL, "", 400, h2, &r, &e), 1);
    CHECK_STR(e.code, "ThrottlingException");
    stk_aws_error_clear(&e);

    /* a malformed success body is a diagnostic, not a crash */
    CHECK_INT(pt_parse("ecr", "DescribeRepositories", NULL, "{not json", 200, NULL, &r, &e), -1);
    CHECK(r == NULL);
}

int main(void)
{
    STK_RUN(dynamodb_put_item_conditional);
    STK_RUN(logs_and_ecr);
    STK_RUN(timestamps_in_json);
    STK_RUN(json_parse_responses);
    return stk_test_report();
}
