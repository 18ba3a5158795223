/* test_protocol_restxml.c - the REST-XML protocol (s3, cloudfront): method,
 * path with labels (greedy keys), query string, headers (x-amz-meta- maps,
 * If-Match), XML payloads with namespaces, raw blob payloads, Content-MD5,
 * S3 bucket addressing, and responses/errors saved from moto (HEAD errors
 * without a body included). */
#include "test.h"
#include "tests/protocol/proto_test.h"

static void s3_put_bucket_tagging(void)
{
    stk_aws_request req;
    CHECK_INT(pt_ser("s3", "PutBucketTagging",
                     "{\"Bucket\":\"my-bucket\",\"Tagging\":{\"TagSet\":[{\"Key\":\"env\",\"Value\":\"prod\"},"
                     "{\"Key\":\"team\",\"Value\":\"a&b\"}]}}",
                     &req), 0);
    CHECK_STR(req.method, "PUT");
    CHECK_STR(req.host_prefix, "my-bucket.");
    CHECK_STR(req.path, "/");
    CHECK_STR(req.query, "tagging=");
    CHECK_STR(pt_body(&req), "<Tagging xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><TagSet><Tag><Key>env</Key>"
                             "<Value>prod</Value></Tag><Tag><Key>team</Key><Value>a&amp;b</Value></Tag></TagSet>"
                             "</Tagging>");
    /* the model requires a checksum: MD5 of the body above */
    CHECK_STR(pt_header(&req, "Content-MD5"), "B5jzhi3R/anEXcsg5f+bXQ==");
    CHECK_STR(pt_header(&req, "Content-Type"), "application/xml");
    stk_aws_request_clear(&req);
}

static void s3_put_object_raw_body(void)
{
    stk_aws_request req;
    CHECK_INT(pt_ser("s3", "PutObject",
                     "{\"Bucket\":\"my-bucket\",\"Key\":\"dir/a b+c.txt\",\"Body\":\"hello\",\"ContentType\":"
                     "\"text/plain\",\"Metadata\":{\"owner\":\"stk\"},\"IfNoneMatch\":\"*\"}",
                     &req), 0);
    CHECK_STR(req.method, "PUT");
    CHECK_STR(req.host_prefix, "my-bucket.");
    CHECK_STR(req.path, "/dir/a%20b%2Bc.txt");   /* greedy label: '/' kept, the rest encoded */
    CHECK(req.query == NULL || strcmp(req.query, "x-id=PutObject") == 0);
    CHECK_STR(pt_body(&req), "hello");
    CHECK_INT(req.body_len, 5);
    CHECK_STR(pt_header(&req, "Content-Type"), "text/plain");
    CHECK_STR(pt_header(&req, "x-amz-meta-owner"), "stk");
    CHECK_STR(pt_header(&req, "If-None-Match"), "*");
    stk_aws_request_clear(&req);

    /* binary payload through the raw body argument */
    stk_diags d = STK_DIAGS_INIT;
    json_t *p = pt_json("{\"Bucket\":\"Not_DNS\",\"Key\":\"state.db\"}");
    const unsigned char bin[] = {0, 1, 2, 0xff};
    CHECK_INT(stk_aws_serialize("s3", "PutObject", p, bin, sizeof bin, &req, &d), 0);
    CHECK_INT(req.body_len, 4);
    CHECK(req.body && memcmp(req.body, bin, 4) == 0);
    CHECK(req.host_prefix == NULL);             /* not a DNS name: stays path-style */
    CHECK_STR(req.path, "/Not_DNS/state.db");
    stk_aws_request_clear(&req);
    json_decref(p);
    stk_diags_free(&d);
}

static void s3_create_bucket_and_list(void)
{
    stk_aws_request req;
    CHECK_INT(pt_ser("s3", "CreateBucket",
                     "{\"Bucket\":\"my-bucket\",\"CreateBucketConfiguration\":{\"LocationConstraint\":\"eu-north-1\"}}",
                     &req), 0);
    CHECK_STR(req.method, "PUT");
    CHECK_STR(req.path, "/");
    CHECK_STR(req.host_prefix, "my-bucket.");
    CHECK_STR(pt_body(&req), "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                             "<LocationConstraint>eu-north-1</LocationConstraint></CreateBucketConfiguration>");
    stk_aws_request_clear(&req);

    CHECK_INT(pt_ser("s3", "ListObjectsV2",
                     "{\"Bucket\":\"my-bucket\",\"Prefix\":\"a/\",\"MaxKeys\":2,\"ContinuationToken\":\"t=1\"}", &req),
              0);
    CHECK_STR(req.method, "GET");
    CHECK_STR(req.query, "list-type=2&prefix=a%2F&max-keys=2&continuation-token=t%3D1");
    CHECK(req.body == NULL);
    stk_aws_request_clear(&req);

    /* flattened list in an XML payload: Rules -> <Rule> */
    CHECK_INT(pt_ser("s3", "PutBucketEncryption",
                     "{\"Bucket\":\"my-bucket\",\"ServerSideEncryptionConfiguration\":{\"Rules\":[{"
                     "\"ApplyServerSideEncryptionByDefault\":{\"SSEAlgorithm\":\"AES256\"}}]}}",
                     &req), 0);
    CHECK_STR(req.query, "encryption=");
    CHECK_STR(pt_body(&req), "<ServerSideEncryptionConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                             "<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm>"
                             "</ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>");
    stk_aws_request_clear(&req);

    CHECK_INT(pt_ser("s3", "GetObject", "{\"Bucket\":\"b-1\",\"Key\":\"x\",\"Range\":\"bytes=0-9\","
                                        "\"IfModifiedSince\":0}", &req), 0);
    CHECK_STR(pt_header(&req, "Range"), "bytes=0-9");
    CHECK_STR(pt_header(&req, "If-Modified-Since"), "Thu, 01 Jan 1970 00:00:00 GMT");   /* rfc822 in headers */
    stk_aws_request_clear(&req);
}

static void cloudfront_create_distribution(void)
{
    stk_aws_request req;
    CHECK_INT(pt_ser("cloudfront", "CreateDistribution",
                     "{\"DistributionConfig\":{\"CallerReference\":\"ref-1\",\"Comment\":\"frontend\",\"Enabled\":true,"
                     "\"DefaultRootObject\":\"index.html\",\"Origins\":{\"Quantity\":1,\"Items\":[{\"Id\":\"s3\","
                     "\"DomainName\":\"b.s3.amazonaws.com\",\"S3OriginConfig\":{\"OriginAccessIdentity\":\"\"},"
                     "\"OriginAccessControlId\":\"oac-1\"}]},\"DefaultCacheBehavior\":{\"TargetOriginId\":\"s3\","
                     "\"ViewerProtocolPolicy\":\"redirect-to-https\",\"CachePolicyId\":\"658327ea\",\"Compress\":true,"
                     "\"AllowedMethods\":{\"Quantity\":2,\"Items\":[\"GET\",\"HEAD\"],\"CachedMethods\":{\"Quantity\":2,"
                     "\"Items\":[\"GET\",\"HEAD\"]}}},\"CustomErrorResponses\":{\"Quantity\":1,\"Items\":[{"
                     "\"ErrorCode\":404,\"ResponsePagePath\":\"/index.html\",\"ResponseCode\":\"200\","
                     "\"ErrorCachingMinTTL\":10}]},\"PriceClass\":\"PriceClass_100\",\"ViewerCertificate\":{"
                     "\"CloudFrontDefaultCertificate\":true},\"Restrictions\":{\"GeoRestriction\":{"
                     "\"RestrictionType\":\"none\",\"Quantity\":0}}}}",
                     &req), 0);
    CHECK_STR(req.method, "POST");
    CHECK_STR(req.path, "/2020-05-31/distribution");
    CHECK(req.host_prefix == NULL);
    CHECK_STR(pt_body(&req),
              "<DistributionConfig xmlns=\"http://cloudfront.amazonaws.com/doc/2020-05-31/\"><CallerReference>ref-1"
              "</CallerReference><Comment>frontend</Comment><Enabled>true</Enabled><DefaultRootObject>index.html"
              "</DefaultRootObject><Origins><Quantity>1</Quantity><Items><Origin><Id>s3</Id><DomainName>"
              "b.s3.amazonaws.com</DomainName><S3OriginConfig><OriginAccessIdentity></OriginAccessIdentity>"
              "</S3OriginConfig><OriginAccessControlId>oac-1</OriginAccessControlId></Origin></Items></Origins>"
              "<DefaultCacheBehavior><TargetOriginId>s3</TargetOriginId><ViewerProtocolPolicy>redirect-to-https"
              "</ViewerProtocolPolicy><CachePolicyId>658327ea</CachePolicyId><Compress>true</Compress>"
              "<AllowedMethods><Quantity>2</Quantity><Items><Method>GET</Method><Method>HEAD</Method></Items>"
              "<CachedMethods><Quantity>2</Quantity><Items><Method>GET</Method><Method>HEAD</Method></Items>"
              "</CachedMethods></AllowedMethods></DefaultCacheBehavior><CustomErrorResponses><Quantity>1</Quantity>"
              "<Items><CustomErrorResponse><ErrorCode>404</ErrorCode><ResponsePagePath>/index.html"
              "</ResponsePagePath><ResponseCode>200</ResponseCode><ErrorCachingMinTTL>10</ErrorCachingMinTTL>"
              "</CustomErrorResponse></Items></CustomErrorResponses><PriceClass>PriceClass_100</PriceClass>"
              "<ViewerCertificate><CloudFrontDefaultCertificate>true</CloudFrontDefaultCertificate>"
              "</ViewerCertificate><Restrictions><GeoRestriction><RestrictionType>none</RestrictionType><Quantity>0"
              "</Quantity></GeoRestriction></Restrictions></DistributionConfig>");
    stk_aws_request_clear(&req);

    CHECK_INT(pt_ser("cloudfront", "DeleteDistribution", "{\"Id\":\"E123\",\"IfMatch\":\"ETAG1\"}", &req), 0);
    CHECK_STR(req.method, "DELETE");
    CHECK_STR(req.path, "/2020-05-31/distribution/E123");
    CHECK_STR(pt_header(&req, "If-Match"), "ETAG1");
    CHECK(req.body == NULL);
    stk_aws_request_clear(&req);
}

static void restxml_parse_responses(void)
{
    json_t *r = NULL;
    stk_aws_error e;
    const char *h[] = {"x-amz-request-id", "RID1", NULL};
    CHECK_INT(pt_parse("s3", "ListObjectsV2", "s3_list_objects_v2.xml", NULL, 200, h, &r, &e), 0);
    CHECK(json_is_true(pt_get(r, "IsTruncated")));
    CHECK_INT(json_array_size(pt_get(r, "Contents")), 2);   /* flattened list */
    CHECK_STR(pt_str(r, "Contents[1].Key"), "k1");
    CHECK_INT(json_integer_value(pt_get(r, "Contents[0].Size")), 1);
    CHECK_STR(pt_str(r, "Contents[0].LastModified"), "2026-11-26T14:46:25.000Z");
    CHECK_STR(pt_str(r, "NextContinuationToken"), "b637b17af08aced8850c18cccde915da");
    CHECK_STR(pt_str(r, "ResponseMetadata.RequestId"), "RID1");
    json_decref(r);

    CHECK_INT(pt_parse("s3", "GetBucketTagging", "s3_get_bucket_tagging.xml", NULL, 200, NULL, &r, &e), 0);
    CHECK_STR(pt_str(r, "TagSet[0].Key"), "env");
    json_decref(r);

    CHECK_INT(pt_parse("s3", "GetBucketLocation", "s3_get_bucket_location.xml", NULL, 200, NULL, &r, &e), 0);
    CHECK_STR(pt_str(r, "LocationConstraint"), "eu-north-1");
    json_decref(r);

    /* headers into members, payload body as the Body member */
    const char *gh[] = {"Content-Type", "text/plain", "ETag", "\"abc\"", "Content-Length", "5",
                        "Last-Modified", "Tue, 02 Jan 2024 03:04:05 GMT", "x-amz-meta-owner", "stk", NULL};
    CHECK_INT(pt_parse("s3", "GetObject", NULL, "hello", 200, gh, &r, &e), 0);
    CHECK_STR(pt_str(r, "Body"), "hello");
    CHECK_STR(pt_str(r, "ContentType"), "text/plain");
    CHECK_STR(pt_str(r, "ETag"), "\"abc\"");
    CHECK_INT(json_integer_value(pt_get(r, "ContentLength")), 5);
    CHECK_STR(pt_str(r, "LastModified"), "2024-01-02T03:04:05Z");
    CHECK_STR(pt_str(r, "Metadata.owner"), "stk");
    json_decref(r);

    const char *ch[] = {"ETag", "SFNL9NQ6RHJWM", "Location", "https://x/oac/CYMY4Y7ACD0P8", NULL};
    CHECK_INT(pt_parse("cloudfront", "CreateOriginAccessControl", "cloudfront_create_oac.xml", NULL, 201, ch, &r, &e),
              0);
    CHECK_STR(pt_str(r, "OriginAccessControl.Id"), "CYMY4Y7ACD0P8");
    CHECK_STR(pt_str(r, "OriginAccessControl.OriginAccessControlConfig.SigningProtocol"), "sigv4");
    CHECK_STR(pt_str(r, "ETag"), "SFNL9NQ6RHJWM");
    CHECK_STR(pt_str(r, "Location"), "https://x/oac/CYMY4Y7ACD0P8");
    json_decref(r);
}

static void restxml_errors(void)
{
    json_t *r = NULL;
    stk_aws_error e;
    CHECK_INT(pt_parse("s3", "GetObject", "s3_error.xml", NULL, 404, NULL, &r, &e), 1);
    CHECK_STR(e.code, "NoSuchKey");
    CHECK_STR(e.message, "The specified key does not exist.");
    CHECK_STR(e.request_id, "pm9P9qZbWoNrE5A62EPGtoSDjYvJwB8G0fSFF67GUwkhulHQrcnv");
    stk_aws_error_clear(&e);

    const char *h[] = {"x-amz-request-id", "HEADRID", NULL};
    CHECK_INT(pt_parse("s3", "HeadObject", NULL, NULL, 404, h, &r, &e), 1);
    CHECK_STR(e.code, "NotFound");
    CHECK_STR(e.request_id, "HEADRID");
    CHECK_INT(e.status, 404);
    stk_aws_error_clear(&e);
    CHECK_INT(pt_parse("s3", "HeadBucket", NULL, NULL, 403, NULL, &r, &e), 1);
    CHECK_STR(e.code, "Forbidden");
    stk_aws_error_clear(&e);

    /* S3 may answer 200 with an error document */
    CHECK_INT(pt_parse("s3", "CopyObject", NULL,
                       "<?xml version=\"1.0\"?><Error><Code>InternalError</Code><Message>retry</Message></Error>",
                       200, NULL, &r, &e), 1);
    CHECK_STR(e.code, "InternalError");
    CHECK(r == NULL);
    stk_aws_error_clear(&e);

    CHECK_INT(pt_parse("cloudfront", "GetDistribution", "cloudfront_error.xml", NULL, 404, NULL, &r, &e), 1);
    CHECK_STR(e.code, "NoSuchDistribution");
    CHECK_STR(e.message, "The specified distribution does not exist.");
    CHECK_STR(e.request_id, "GsJCS95HH2OLr48rVruHMgJB8KkO0RIVz5T62Ku4hfeaWUCpvdeU");
    stk_aws_error_clear(&e);
}

int main(void)
{
    STK_RUN(s3_put_bucket_tagging);
    STK_RUN(s3_put_object_raw_body);
    STK_RUN(s3_create_bucket_and_list);
    STK_RUN(cloudfront_create_distribution);
    STK_RUN(restxml_parse_responses);
    STK_RUN(restxml_errors);
    return stk_test_report();
}
