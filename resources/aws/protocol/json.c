/* json.c - the AWS JSON 1.0 / 1.1 protocol (dynamodb, ecr, logs).
 *
 * Requests: POST / with X-Amz-Target: <targetPrefix>.<Operation>,
 * Content-Type: application/x-amz-json-<jsonVersion>, and the params as a
 * JSON body ("{}" when empty); timestamps as epoch seconds, blobs base64.
 * Responses: a JSON body following the output shape (timestamps turned into
 * ISO 8601 strings for results).  Errors: {"__type": "prefix#Code",
 * "message"|"Message": ...} or the x-amzn-ErrorType header ("Code:uri").
 */
#include "aws/protocol/proto.h"
#include <stdlib.h>
#include <string.h>

static json_t *to_wire(const stk_aws_op *o, json_t *shape, json_t *ref, json_t *v)
{
    const char *t = stk_aws_shape_type(shape);
    if (strcmp(t, "structure") == 0 && json_is_object(v)) {
        if (stk_aws_json_true(shape, "document")) return json_incref(v);
        json_t *out = json_object(), *members = json_object_get(shape, "members");
        const char *key;
        json_t *val;
        json_object_foreach(v, key, val) {
            json_t *mref = json_object_get(members, key);
            if (!mref || json_is_null(val)) continue;
            json_object_set_new(out, stk_aws_member_wire_name(key, mref),
                                to_wire(o, stk_aws_model_ref_shape(o->m, mref), mref, val));
        }
        return out;
    }
    if (strcmp(t, "list") == 0 && json_is_array(v)) {
        json_t *out = json_array(), *lref = json_object_get(shape, "member");
        json_t *lshape = stk_aws_model_ref_shape(o->m, lref);
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item) json_array_append_new(out, to_wire(o, lshape, lref, item));
        return out;
    }
    if (strcmp(t, "map") == 0 && json_is_object(v)) {
        json_t *out = json_object(), *vref = json_object_get(shape, "value");
        json_t *vshape = stk_aws_model_ref_shape(o->m, vref);
        const char *key;
        json_t *val;
        json_object_foreach(v, key, val) json_object_set_new(out, key, to_wire(o, vshape, vref, val));
        return out;
    }
    if (strcmp(t, "timestamp") == 0) {
        double e = 0;
        stk_aws_ts_parse(v, &e);
        const char *fmt = stk_aws_json_str(ref, "timestampFormat");
        if (!fmt) fmt = stk_aws_json_str(shape, "timestampFormat");
        if (fmt && strcmp(fmt, "unixTimestamp") != 0) {
            char *s = stk_aws_scalar_text(shape, ref, v, fmt);
            json_t *r = json_string(s);
            free(s);
            return r;
        }
        if (e == (double)(long long)e) return json_integer((long long)e);
        return json_real(e);
    }
    if (strcmp(t, "blob") == 0) {
        char *s = stk_aws_scalar_text(shape, ref, v, NULL);
        json_t *r = json_string(s);
        free(s);
        return r;
    }
    return json_incref(v);
}

int stk_aws_json_serialize(const stk_aws_op *o, json_t *params, stk_aws_request *req, stk_diags *d)
{
    json_t *body = o->input && params ? to_wire(o, o->input, NULL, params) : json_object();
    char *text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(body);
    req->method = "POST";
    req->path = stk_xstrdup("/");
    req->body = (unsigned char *)text;
    req->body_len = strlen(text);
    const char *jv = stk_aws_model_meta(o->m, "jsonVersion");
    char *ct = stk_xasprintf("application/x-amz-json-%s", jv ? jv : "1.0");
    char *target = stk_xasprintf("%s.%s", stk_aws_model_meta(o->m, "targetPrefix"), o->name);
    stk_aws_req_add_header(req, "Content-Type", ct);
    stk_aws_req_add_header(req, "X-Amz-Target", target);
    free(ct);
    free(target);
    return 0;
}

static json_t *from_wire(const stk_aws_op *o, json_t *shape, json_t *v)
{
    const char *t = stk_aws_shape_type(shape);
    if (strcmp(t, "structure") == 0 && json_is_object(v)) {
        if (stk_aws_json_true(shape, "document")) return json_incref(v);
        json_t *out = json_object();
        const char *key;
        json_t *mref;
        json_object_foreach(json_object_get(shape, "members"), key, mref) {
            json_t *val = json_object_get(v, stk_aws_member_wire_name(key, mref));
            if (!val || json_is_null(val)) continue;
            json_object_set_new(out, key, from_wire(o, stk_aws_model_ref_shape(o->m, mref), val));
        }
        return out;
    }
    if (strcmp(t, "list") == 0 && json_is_array(v)) {
        json_t *out = json_array();
        json_t *lshape = stk_aws_model_ref_shape(o->m, json_object_get(shape, "member"));
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item) json_array_append_new(out, from_wire(o, lshape, item));
        return out;
    }
    if (strcmp(t, "map") == 0 && json_is_object(v)) {
        json_t *out = json_object();
        json_t *vshape = stk_aws_model_ref_shape(o->m, json_object_get(shape, "value"));
        const char *key;
        json_t *val;
        json_object_foreach(v, key, val) json_object_set_new(out, key, from_wire(o, vshape, val));
        return out;
    }
    if (strcmp(t, "timestamp") == 0) {
        double e;
        if (stk_aws_ts_parse(v, &e) == 0) {
            stk_strbuf b = STK_STRBUF_INIT;
            stk_aws_ts_format(&b, e, "iso8601");
            json_t *r = json_string(b.s);
            stk_strbuf_free(&b);
            return r;
        }
    }
    return json_incref(v);
}

int stk_aws_json_parse(const stk_aws_op *o, const stk_aws_response *resp, json_t **result, stk_diags *d)
{
    json_t *r = NULL;
    if (resp->body_len > 0) {
        json_error_t e;
        json_t *body = json_loadb((const char *)resp->body, resp->body_len, 0, &e);
        if (!body || !json_is_object(body)) {
            stk_diags_error(d, NULL, "Malformed AWS response", "%s %s: the response body is not a JSON object: %s",
                            o->service, o->name, body ? "wrong type" : e.text);
            json_decref(body);
            return -1;
        }
        r = o->output ? from_wire(o, o->output, body) : json_object();
        json_decref(body);
    } else {
        r = json_object();
    }
    stk_aws_set_response_metadata(r, stk_aws_header(resp, "x-amzn-requestid"), resp->status);
    *result = r;
    return 0;
}

static char *clean_code(const char *s)
{
    const char *hash = strrchr(s, '#');
    if (hash) s = hash + 1;
    size_t n = strcspn(s, ":");
    return stk_xstrndup(s, n);
}

void stk_aws_json_parse_error(const stk_aws_response *resp, stk_aws_error *err)
{
    json_t *body = resp->body_len ? json_loadb((const char *)resp->body, resp->body_len, 0, NULL) : NULL;
    const char *type = json_string_value(json_object_get(body, "__type"));
    if (!type) type = json_string_value(json_object_get(body, "code"));
    if (!type) type = stk_aws_header(resp, "x-amzn-errortype");
    if (type && *type) err->code = clean_code(type);
    const char *msg = json_string_value(json_object_get(body, "message"));
    if (!msg) msg = json_string_value(json_object_get(body, "Message"));
    if (!msg) msg = json_string_value(json_object_get(body, "errorMessage"));
    if (msg) err->message = stk_xstrdup(msg);
    json_decref(body);
}
