/* proto.h - internal interface between call.c and the four wire protocols
 * (ec2.c, query.c, json.c, restxml.c) plus the helpers they share (wire.c:
 * encodings and scalar conversion; xml.c: shape-driven XML through libxml2).
 * Not for use outside resources/aws/protocol.
 *
 * Serializers receive validated params and fill a stk_aws_request whose
 * strings they allocate (stk_aws_request_clear frees them; method points at
 * model data).  Parsers return new JSON references.
 */
#ifndef STK_AWS_PROTO_H
#define STK_AWS_PROTO_H
#include <jansson.h>
#include <libxml/tree.h>
#include "aws/client/client.h"
#include "aws/protocol/call.h"
#include "aws/protocol/model.h"
#include "util/strbuf.h"

typedef struct {
    const stk_aws_model *m;
    const char *service, *name;   /* stk service name, operation name */
    json_t *op;                   /* the operation model */
    json_t *input, *output;       /* input / output shapes, NULL when absent */
    json_t *output_ref;           /* the operation's "output" ref (resultWrapper) */
} stk_aws_op;

int stk_aws_op_lookup(const char *service, const char *operation, stk_aws_op *o, stk_diags *d);

/* ---- protocols ---- */
int stk_aws_query_serialize(const stk_aws_op *o, json_t *params, int ec2, stk_aws_request *req,
                            stk_diags *d);
int stk_aws_query_parse(const stk_aws_op *o, const stk_aws_response *resp, int ec2, json_t **result,
                        stk_diags *d);
void stk_aws_query_parse_error(const stk_aws_response *resp, stk_aws_error *err);
/* ec2.c: the EC2 flavour of query names (queryName, capitalised locationName) */
void stk_aws_ec2_serialize_value(const stk_aws_op *o, stk_strbuf *body, const char *prefix,
                                 json_t *shape, json_t *ref, json_t *v);
const char *stk_aws_ec2_member_name(const char *key, json_t *ref, char *buf, size_t bufsz);

int stk_aws_json_serialize(const stk_aws_op *o, json_t *params, stk_aws_request *req, stk_diags *d);
int stk_aws_json_parse(const stk_aws_op *o, const stk_aws_response *resp, json_t **result, stk_diags *d);
void stk_aws_json_parse_error(const stk_aws_response *resp, stk_aws_error *err);

int stk_aws_restxml_serialize(const stk_aws_op *o, json_t *params, const unsigned char *body,
                              size_t body_len, stk_aws_request *req, stk_diags *d);
int stk_aws_restxml_parse(const stk_aws_op *o, const stk_aws_response *resp, json_t **result,
                          unsigned char **out_body, size_t *out_body_len, stk_diags *d);
void stk_aws_restxml_parse_error(const stk_aws_response *resp, stk_aws_error *err);

/* ---- wire.c ---- */
/* Percent-encode (RFC 3986 unreserved kept; '/' kept when keep_slash). */
void stk_aws_urlenc(stk_strbuf *b, const char *s, size_t n, int keep_slash);
/* application/x-www-form-urlencoded as botocore's urlencode writes it:
   the same, with spaces as '+'. */
void stk_aws_formenc(stk_strbuf *b, const char *s, size_t n);
char *stk_aws_base64(const unsigned char *p, size_t n);
unsigned char *stk_aws_unbase64(const char *s, size_t *n);   /* NULL if invalid */
/* A timestamp param (epoch number, ISO 8601 or RFC 822 string) -> epoch seconds. */
int stk_aws_ts_parse(json_t *v, double *epoch);
int stk_aws_ts_parse_text(const char *s, double *epoch);
/* fmt: "iso8601", "rfc822", "unixTimestamp" */
void stk_aws_ts_format(stk_strbuf *b, double epoch, const char *fmt);
/* Text form of a scalar param for query strings, headers and XML. */
char *stk_aws_scalar_text(json_t *shape, json_t *ref, json_t *v, const char *default_ts_fmt);
/* Typed JSON from wire text (XML text or header). */
json_t *stk_aws_scalar_from_text(json_t *shape, const char *text);
void stk_aws_req_add_header(stk_aws_request *req, const char *name, const char *value);
const char *stk_aws_header(const stk_aws_response *resp, const char *lname);
/* A valid-UTF-8 check for payload bodies. */
int stk_aws_utf8_valid(const unsigned char *p, size_t n);
/* The name a member travels under: ref.locationName, else the key. */
const char *stk_aws_member_wire_name(const char *key, json_t *ref);
/* "ResponseMetadata" object for results. */
void stk_aws_set_response_metadata(json_t *result, const char *request_id, long status);

/* ---- xml.c ---- */
/* libxml2's one-time initialisation, done once before any thread uses it
   (stk_aws_op_lookup calls it, so every call path has). */
void stk_aws_xml_init(void);
/* Parse a response body (no network, no entity expansion, capped size and
   depth).  NULL when not well-formed XML. */
xmlDocPtr stk_aws_xml_read(const unsigned char *body, size_t len);
xmlNodePtr stk_aws_xml_child(xmlNodePtr parent, const char *name);
char *stk_aws_xml_text(xmlNodePtr n);   /* malloc'd, "" for empty */
/* Convert element `node` holding a value of `shape` to JSON. */
json_t *stk_aws_xml_to_json(const stk_aws_model *m, xmlNodePtr node, json_t *shape);
/* Fill the members of structure `shape` found among node's children into obj. */
void stk_aws_xml_struct_members(const stk_aws_model *m, xmlNodePtr node, json_t *shape, json_t *obj,
                                int skip_located);
/* Serialize value v of shape as element `name` under parent (rest-xml bodies). */
void stk_aws_xml_from_json(const stk_aws_model *m, xmlNodePtr parent, const char *name, json_t *shape,
                           json_t *ref, json_t *v);
/* Find error fields anywhere under root: Code, Message, RequestId/RequestID. */
void stk_aws_xml_error_fields(xmlNodePtr root, stk_aws_error *err);

#endif
