/* call.c - stk_aws_call and what surrounds one AWS call: operation lookup,
 * parameter validation against the input shape, idempotency tokens, the
 * protocol dispatch (ec2 / query / json / rest-xml), the retry loop over the
 * client's standard policy, error diagnostics, pagination (paginators-1.json)
 * and waiters (waiters-2.json, acceptors evaluated with jmespath.c). */
#include "aws/protocol/call.h"
#include "aws/protocol/jmespath.h"
#include "aws/protocol/proto.h"
#include "provider.h"   /* stk_call_note_maybe_applied */
#include <math.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void stk_aws_error_clear(stk_aws_error *e)
{
    if (!e) return;
    free(e->code);
    free(e->message);
    free(e->request_id);
    memset(e, 0, sizeof *e);
}

int stk_aws_error_is(const stk_aws_error *e, const char *code)
{
    return e && e->code && code && strcmp(e->code, code) == 0;
}

void stk_aws_request_clear(stk_aws_request *req)
{
    free(req->host_prefix);
    free(req->path);
    free(req->query);
    for (size_t i = 0; i < req->nheaders; i++) {
        free(req->headers[i].name);
        free(req->headers[i].value);
    }
    free(req->headers);
    free(req->body);
    memset(req, 0, sizeof *req);
}

int stk_aws_op_lookup(const char *service, const char *operation, stk_aws_op *o, stk_diags *d)
{
    memset(o, 0, sizeof *o);
    stk_aws_xml_init();
    o->m = stk_aws_model_get(service, d);
    if (!o->m) return -1;
    o->op = stk_aws_model_operation(o->m, operation);
    if (!o->op) {
        stk_strbuf names = STK_STRBUF_INIT;
        const char *k;
        json_t *v;
        json_object_foreach(stk_aws_model_operations(o->m), k, v) {
            if (names.len) stk_strbuf_puts(&names, ", ");
            stk_strbuf_puts(&names, k);
        }
        stk_diags_error(d, NULL, "Unknown AWS operation",
                        "%s has no operation \"%s\" in stk's model (add it to resources/aws/models/gen_models.py). "
                        "Known: %s",
                        service, operation ? operation : "(null)", stk_strbuf_cstr(&names));
        stk_strbuf_free(&names);
        return -1;
    }
    o->service = stk_aws_model_name(o->m);
    o->name = operation;
    o->input = stk_aws_model_ref_shape(o->m, json_object_get(o->op, "input"));
    o->output_ref = json_object_get(o->op, "output");
    o->output = stk_aws_model_ref_shape(o->m, o->output_ref);
    return 0;
}

/* ---- validation ---- */

static const char *json_type_name(json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER: return "integer";
    case JSON_REAL: return "real";
    case JSON_TRUE:
    case JSON_FALSE: return "boolean";
    default: return "null";
    }
}

static void validate(const stk_aws_op *o, json_t *shape, json_t *v, const char *path, stk_diags *d)
{
    const char *t = stk_aws_shape_type(shape);
    const char *where = *path ? path : "input";
    const char *want = NULL;
    if (json_is_null(v)) return;
    if (strcmp(t, "structure") == 0) {
        if (stk_aws_json_true(shape, "document")) return;
        if (!json_is_object(v)) {
            want = "object";
            goto badtype;
        }
        json_t *members = json_object_get(shape, "members");
        const char *key;
        json_t *val;
        json_object_foreach(v, key, val) {
            json_t *mref = json_object_get(members, key);
            if (!mref) {
                stk_strbuf names = STK_STRBUF_INIT;
                const char *mk;
                json_t *mv;
                json_object_foreach(members, mk, mv) {
                    if (names.len) stk_strbuf_puts(&names, ", ");
                    stk_strbuf_puts(&names, mk);
                }
                stk_diags_error(d, NULL, "Parameter validation failed",
                                "%s %s: Unknown parameter in %s: \"%s\", must be one of: %s", o->service, o->name,
                                where, key, stk_strbuf_cstr(&names));
                stk_strbuf_free(&names);
                continue;
            }
            char *sub = *path ? stk_xasprintf("%s.%s", path, key) : stk_xstrdup(key);
            validate(o, stk_aws_model_ref_shape(o->m, mref), val, sub, d);
            free(sub);
        }
        size_t i;
        json_t *req;
        json_array_foreach(json_object_get(shape, "required"), i, req) {
            json_t *pv = json_object_get(v, json_string_value(req));
            if (!pv || json_is_null(pv))
                stk_diags_error(d, NULL, "Parameter validation failed",
                                "%s %s: Missing required parameter in %s: \"%s\"", o->service, o->name, where,
                                json_string_value(req));
        }
        return;
    }
    if (strcmp(t, "list") == 0) {
        if (!json_is_array(v)) {
            want = "array";
            goto badtype;
        }
        json_t *lshape = stk_aws_model_ref_shape(o->m, json_object_get(shape, "member"));
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item) {
            char *sub = stk_xasprintf("%s[%zu]", where, i);
            validate(o, lshape, item, sub, d);
            free(sub);
        }
        return;
    }
    if (strcmp(t, "map") == 0) {
        if (!json_is_object(v)) {
            want = "object";
            goto badtype;
        }
        json_t *vshape = stk_aws_model_ref_shape(o->m, json_object_get(shape, "value"));
        const char *key;
        json_t *val;
        json_object_foreach(v, key, val) {
            char *sub = stk_xasprintf("%s.%s", where, key);
            validate(o, vshape, val, sub, d);
            free(sub);
        }
        return;
    }
    if (strcmp(t, "string") == 0 || strcmp(t, "blob") == 0) {
        if (!json_is_string(v)) want = "string";
    } else if (strcmp(t, "integer") == 0 || strcmp(t, "long") == 0) {
        if (!json_is_integer(v)) want = "integer";
    } else if (strcmp(t, "boolean") == 0) {
        if (!json_is_boolean(v)) want = "boolean";
    } else if (strcmp(t, "double") == 0 || strcmp(t, "float") == 0) {
        if (!json_is_number(v)) want = "number";
    } else if (strcmp(t, "timestamp") == 0) {
        double e;
        if (stk_aws_ts_parse(v, &e) != 0) want = "ISO 8601 string or epoch seconds";
    }
    if (!want) return;
badtype:
    stk_diags_error(d, NULL, "Parameter validation failed",
                    "%s %s: Invalid type for parameter %s, type: %s, valid types: %s", o->service, o->name, where,
                    json_type_name(v), want);
}

int stk_aws_validate(const char *service, const char *operation, json_t *params, stk_diags *d)
{
    stk_aws_op o;
    if (stk_aws_op_lookup(service, operation, &o, d) != 0) return -1;
    size_t before = stk_diags_count(d, STK_DIAG_ERROR);
    if (params && !json_is_object(params)) {
        stk_diags_error(d, NULL, "Parameter validation failed", "%s %s: the parameters must be a JSON object",
                        o.service, o.name);
        return -1;
    }
    if (o.input) {
        json_t *empty = json_object();
        validate(&o, o.input, params ? params : empty, "", d);
        json_decref(empty);
    } else if (params && json_object_size(params) > 0) {
        stk_diags_error(d, NULL, "Parameter validation failed", "%s %s takes no parameters", o.service, o.name);
    }
    return stk_diags_count(d, STK_DIAG_ERROR) > before ? -1 : 0;
}

static void uuid4(char out[37])
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1) {
        for (size_t i = 0; i < sizeof b; i++) b[i] = (unsigned char)rand();
    }
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
             b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* An idempotency token the model marks, or CloudFront's CallerReference
   (top level or inside the payload structure): AWS refuses a second create
   with the same one instead of making a duplicate. */
static int has_token_member(const stk_aws_op *o)
{
    const char *k;
    json_t *ref;
    json_object_foreach(json_object_get(o->input, "members"), k, ref) {
        if (stk_aws_json_true(ref, "idempotencyToken") || strcmp(k, "CallerReference") == 0) return 1;
        const char *payload = stk_aws_json_str(o->input, "payload");
        if (payload && strcmp(k, payload) == 0 &&
            json_object_get(json_object_get(stk_aws_model_ref_shape(o->m, ref), "members"), "CallerReference"))
            return 1;
    }
    return 0;
}

int stk_aws_operation_retry_safe(const char *service, const char *operation)
{
    stk_diags d = STK_DIAGS_INIT;
    stk_aws_op o;
    int r = 0;
    /* Calls that make something new: a hidden success followed by a retry
       would make it twice.  Everything else is read-only or converges
       (a repeated delete answers NotFound, a repeated put overwrites). */
    static const char *const creating[] = {"Create", "Run", "Allocate", "Import", "Copy", "Publish",
                                           "Request", "Send", NULL};
    if (stk_aws_op_lookup(service, operation, &o, &d) == 0) {
        int creates = 0;
        for (int i = 0; creating[i]; i++)
            if (strncmp(operation, creating[i], strlen(creating[i])) == 0) creates = 1;
        /* tagging calls overwrite: a repeat changes nothing */
        if (!strcmp(operation, "CreateTags") || !strcmp(operation, "CreateOrUpdateTags")) creates = 0;
        r = !creates || stk_aws_json_true(o.op, "idempotent") || has_token_member(&o);
    }
    stk_diags_free(&d);
    return r;
}

static int serialize_op(const stk_aws_op *o, json_t *params, const unsigned char *body, size_t body_len,
                        stk_aws_request *req, stk_diags *d)
{
    memset(req, 0, sizeof *req);
    if (stk_aws_validate(o->service, o->name, params, d) != 0) return -1;
    json_t *p = params ? json_copy(params) : json_object();
    const char *k;
    json_t *ref;
    json_object_foreach(json_object_get(o->input, "members"), k, ref) {
        if (stk_aws_json_true(ref, "idempotencyToken") && !json_object_get(p, k)) {
            char u[37];
            uuid4(u);
            json_object_set_new(p, k, json_string(u));
        }
    }
    const char *proto = stk_aws_model_protocol(o->m);
    int rc;
    if (strcmp(proto, "ec2") == 0) rc = stk_aws_query_serialize(o, p, 1, req, d);
    else if (strcmp(proto, "query") == 0) rc = stk_aws_query_serialize(o, p, 0, req, d);
    else if (strcmp(proto, "json") == 0) rc = stk_aws_json_serialize(o, p, req, d);
    else if (strcmp(proto, "rest-xml") == 0) rc = stk_aws_restxml_serialize(o, p, body, body_len, req, d);
    else {
        stk_diags_error(d, NULL, "Unsupported AWS protocol", "%s uses the %s protocol, which stk does not implement.",
                        o->service, proto);
        rc = -1;
    }
    json_decref(p);
    if (rc != 0) stk_aws_request_clear(req);
    return rc;
}

int stk_aws_serialize(const char *service, const char *operation, json_t *params, const unsigned char *body,
                      size_t body_len, stk_aws_request *req, stk_diags *d)
{
    stk_aws_op o;
    memset(req, 0, sizeof *req);
    if (stk_aws_op_lookup(service, operation, &o, d) != 0) return -1;
    return serialize_op(&o, params, body, body_len, req, d);
}

static void parse_error(const stk_aws_op *o, const stk_aws_response *resp, stk_aws_error *err)
{
    const char *proto = stk_aws_model_protocol(o->m);
    memset(err, 0, sizeof *err);
    err->status = resp->status;
    if (strcmp(proto, "json") == 0) stk_aws_json_parse_error(resp, err);
    else if (strcmp(proto, "rest-xml") == 0) stk_aws_restxml_parse_error(resp, err);
    else stk_aws_query_parse_error(resp, err);
    if (!err->request_id) {
        const char *rid = stk_aws_header(resp, "x-amzn-requestid");
        if (!rid) rid = stk_aws_header(resp, "x-amz-request-id");
        if (rid) err->request_id = stk_xstrdup(rid);
    }
    if (!err->code) err->code = stk_xasprintf("HTTP%ld", resp->status);
}

static int parse_op(const stk_aws_op *o, const stk_aws_response *resp, json_t **result, stk_aws_error *err,
                    unsigned char **out_body, size_t *out_body_len, stk_diags *d)
{
    *result = NULL;
    if (resp->status < 200 || resp->status >= 300) {
        stk_aws_error tmp;
        parse_error(o, resp, err ? err : &tmp);
        if (!err) stk_aws_error_clear(&tmp);
        return 1;
    }
    const char *proto = stk_aws_model_protocol(o->m);
    const char *payload = stk_aws_json_str(o->output, "payload");
    const char *ptype = payload ? stk_aws_shape_type(stk_aws_model_ref_shape(
                                      o->m, json_object_get(json_object_get(o->output, "members"), payload)))
                                : "";
    if (strcmp(proto, "rest-xml") == 0 && resp->body_len > 7 && strcmp(ptype, "blob") != 0 &&
        strcmp(ptype, "string") != 0 &&
        memmem(resp->body, resp->body_len < 256 ? resp->body_len : 256, "<Error>", 7)) {
        /* S3 (CopyObject, CompleteMultipartUpload) may answer 200 with an error body */
        xmlDocPtr doc = stk_aws_xml_read(resp->body, resp->body_len);
        xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
        int is_error = root && strcmp((const char *)root->name, "Error") == 0;
        if (doc) xmlFreeDoc(doc);
        if (is_error) {
            stk_aws_error tmp;
            parse_error(o, resp, err ? err : &tmp);
            if (!err) stk_aws_error_clear(&tmp);
            return 1;
        }
    }
    if (strcmp(proto, "ec2") == 0) return stk_aws_query_parse(o, resp, 1, result, d);
    if (strcmp(proto, "query") == 0) return stk_aws_query_parse(o, resp, 0, result, d);
    if (strcmp(proto, "json") == 0) return stk_aws_json_parse(o, resp, result, d);
    return stk_aws_restxml_parse(o, resp, result, out_body, out_body_len, d);
}

int stk_aws_parse(const char *service, const char *operation, const stk_aws_response *resp, json_t **result,
                  stk_aws_error *err, unsigned char **out_body, size_t *out_body_len, stk_diags *d)
{
    stk_aws_op o;
    *result = NULL;
    if (stk_aws_op_lookup(service, operation, &o, d) != 0) return -1;
    return parse_op(&o, resp, result, err, out_body, out_body_len, d);
}

static void error_diag(const stk_aws_op *o, const stk_aws_error *e, int attempts, stk_diags *d)
{
    char *summary = e->message && *e->message
                        ? stk_xasprintf("%s %s: %s: %s", o->service, o->name, e->code, e->message)
                        : stk_xasprintf("%s %s: %s", o->service, o->name, e->code);
    stk_diags_error(d, NULL, summary, "HTTP status %ld, request id %s, after %d attempt%s.", e->status,
                    e->request_id ? e->request_id : "(none)", attempts, attempts == 1 ? "" : "s");
    free(summary);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int stk_aws_call_ex(stk_aws_client *c, const char *service, const char *operation, json_t *params,
                    stk_aws_call_opts *opts, json_t **result, stk_aws_error *err, stk_diags *d)
{
    stk_aws_op o;
    stk_aws_request req;
    *result = NULL;
    if (err) memset(err, 0, sizeof *err);
    if (stk_aws_op_lookup(service, operation, &o, d) != 0) return -1;
    if (serialize_op(&o, params, opts ? opts->body : NULL, opts ? opts->body_len : 0, &req, d) != 0) return -1;
    req.operation = o.name;
    const char *endpoint_key = stk_aws_model_meta(o.m, "endpointPrefix");
    const char *signing = stk_aws_model_signing_name(o.m);
    int may_retry = stk_aws_operation_retry_safe(service, operation);
    req.send_once = !may_retry;   /* never re-sent behind our back (client.h) */
    stk_aws_retry r;
    stk_aws_retry_begin(c, &r);
    int rc = -1, attempts = 0;
    for (;;) {
        stk_aws_response resp;
        memset(&resp, 0, sizeof resp);
        attempts++;  /* r.attempt is advanced by stk_aws_retry_should */
        int sent = stk_aws_client_send(c, endpoint_key, signing, &req, &resp);   /* logs under STK_LOG=debug */
        if (resp.resent) r.uncertain = 1;   /* the first send may have been acted on */
        if (sent != 0) {
            const char *msg = resp.transport_error ? resp.transport_error : "no response";
            if (stk_aws_retry_should(c, &r, 0, NULL, stk_aws_response_transport_kind(&resp), may_retry)) {
                stk_aws_response_free(&resp);
                continue;
            }
            /* the call fails, and an attempt may have taken effect (a create
               whose answer was lost; an Attach or Authorize sent again that
               meets what the first did, AlreadyAssociated or
               InvalidPermission.Duplicate): the engine looks the object up */
            if (r.uncertain) stk_call_note_maybe_applied();
            char *summary = stk_xasprintf("%s %s: %s", o.service, o.name, msg);
            stk_diags_error(d, NULL, summary, "No response from the endpoint after %d attempt%s%s.", attempts,
                            attempts == 1 ? "" : "s", resp.timed_out ? " (timed out)" : "");
            free(summary);
            if (err) {
                err->status = 0;
                err->code = stk_xstrdup(resp.timed_out ? "RequestTimeout" : "TransportError");
                err->message = stk_xstrdup(msg);
            }
            stk_aws_response_free(&resp);
            rc = -1;
            break;
        }
        stk_aws_error e;
        memset(&e, 0, sizeof e);
        int pr = parse_op(&o, &resp, result, &e, opts ? opts->out_body : NULL, opts ? opts->out_body_len : NULL, d);
        if (pr == 0) {
            stk_aws_retry_success(c, &r);
            stk_aws_response_free(&resp);
            rc = 0;
            break;
        }
        if (pr == 1 && stk_aws_retry_should(c, &r, resp.status, e.code, 0, may_retry)) {
            stk_aws_error_clear(&e);
            stk_aws_response_free(&resp);
            continue;
        }
        if (r.uncertain) stk_call_note_maybe_applied();
        if (pr == 1) {
            error_diag(&o, &e, attempts, d);
            if (err) *err = e;
            else stk_aws_error_clear(&e);
        }
        stk_aws_response_free(&resp);
        rc = -1;
        break;
    }
    if (opts) opts->attempts = attempts;
    stk_aws_request_clear(&req);
    return rc;
}

int stk_aws_call(stk_aws_client *c, const char *service, const char *operation, json_t *params, json_t **result,
                 stk_diags *d)
{
    return stk_aws_call_ex(c, service, operation, params, NULL, result, NULL, d);
}

/* ---- pagination ---- */

static json_t *as_list(json_t *v)
{
    if (json_is_array(v)) return json_incref(v);
    json_t *a = json_array();
    if (json_is_string(v)) json_array_append(a, v);
    return a;
}

/* Set a dotted path ("A.B") in obj, creating objects on the way. */
static void set_path(json_t *obj, const char *path, json_t *v)
{
    const char *dot = strchr(path, '.');
    if (!dot) {
        json_object_set(obj, path, v);
        return;
    }
    char *head = stk_xstrndup(path, (size_t)(dot - path));
    json_t *sub = json_object_get(obj, head);
    if (!json_is_object(sub)) {
        sub = json_object();
        json_object_set_new(obj, head, sub);
    }
    free(head);
    set_path(sub, dot + 1, v);
}

static void del_path(json_t *obj, const char *path)
{
    const char *dot = strchr(path, '.');
    if (!dot) {
        json_object_del(obj, path);
        return;
    }
    char *head = stk_xstrndup(path, (size_t)(dot - path));
    json_t *sub = json_object_get(obj, head);
    free(head);
    if (json_is_object(sub)) del_path(sub, dot + 1);
}

static int simple_path(const char *p)
{
    return strpbrk(p, "[]|()*@`' ") == NULL;
}

int stk_aws_paginate_with(stk_aws_call_fn fn, void *ctx, const char *service, const char *operation, json_t *params,
                          json_t **result, stk_diags *d)
{
    *result = NULL;
    const stk_aws_model *m = stk_aws_model_get(service, d);
    if (!m) return -1;
    json_t *pag = stk_aws_model_paginator(m, operation);
    if (!pag) {
        stk_diags_error(d, NULL, "Operation is not paginated",
                        "%s %s has no paginator in the model; call it without pagination.", service, operation);
        return -1;
    }
    json_t *in_tok = as_list(json_object_get(pag, "input_token"));
    json_t *out_tok = as_list(json_object_get(pag, "output_token"));
    json_t *res_keys = as_list(json_object_get(pag, "result_key"));
    const char *more = stk_aws_json_str(pag, "more_results");
    json_t *cur = params ? json_copy(params) : json_object();
    json_t *merged = NULL, *prev = NULL;
    int rc = 0;
    for (int page = 0; page < 100000; page++) {
        json_t *res = NULL;
        stk_aws_error e;
        memset(&e, 0, sizeof e);
        int r = fn(ctx, service, operation, cur, &res, &e, d);
        if (r != 0) {
            if (r == 1 && !stk_diags_has_errors(d))
                stk_diags_error(d, NULL, "AWS error while paginating", "%s %s: %s: %s", service, operation,
                                e.code ? e.code : "?", e.message ? e.message : "");
            stk_aws_error_clear(&e);
            rc = -1;
            break;
        }
        if (!merged) {
            merged = json_deep_copy(res);
        } else {
            size_t i;
            json_t *rk;
            json_array_foreach(res_keys, i, rk) {
                json_t *add = stk_jmespath_search(json_string_value(rk), res, NULL);
                json_t *have = stk_jmespath_search(json_string_value(rk), merged, NULL);
                if (json_is_array(add) && simple_path(json_string_value(rk))) {
                    if (!json_is_array(have)) {
                        json_decref(have);
                        have = json_array();
                        set_path(merged, json_string_value(rk), have);
                        json_decref(have);
                        have = stk_jmespath_search(json_string_value(rk), merged, NULL);
                    }
                    json_array_extend(have, add);
                }
                json_decref(add);
                json_decref(have);
            }
        }
        /* next tokens */
        json_t *toks = json_array();
        int any = 0;
        size_t i;
        json_t *ot;
        json_array_foreach(out_tok, i, ot) {
            json_t *t = stk_jmespath_search(json_string_value(ot), res, NULL);
            if (!t) t = json_null();
            if (stk_jmespath_truthy(t)) any = 1;
            json_array_append_new(toks, t);
        }
        int has_more = any;
        if (more) {
            json_t *mv = stk_jmespath_search(more, res, NULL);
            has_more = any && stk_jmespath_truthy(mv);
            json_decref(mv);
        }
        json_decref(res);
        if (!has_more || (prev && json_equal(prev, toks))) {
            json_decref(toks);
            break;
        }
        json_array_foreach(in_tok, i, ot) {
            json_t *t = json_array_get(toks, i);
            if (t && !json_is_null(t)) json_object_set(cur, json_string_value(ot), t);
            else json_object_del(cur, json_string_value(ot));
        }
        json_decref(prev);
        prev = toks;
    }
    json_decref(prev);
    if (rc == 0 && merged) {
        size_t i;
        json_t *ot;
        json_array_foreach(out_tok, i, ot) if (simple_path(json_string_value(ot))) del_path(merged, json_string_value(ot));
        if (more && simple_path(more)) del_path(merged, more);
        *result = merged;
    } else {
        json_decref(merged);
    }
    json_decref(cur);
    json_decref(in_tok);
    json_decref(out_tok);
    json_decref(res_keys);
    return rc;
}

typedef struct {
    stk_aws_client *c;
} real_ctx;

static int real_call(void *ctx, const char *service, const char *operation, json_t *params, json_t **result,
                     stk_aws_error *err, stk_diags *d)
{
    real_ctx *rc = ctx;
    stk_diags local = STK_DIAGS_INIT;
    int r = stk_aws_call_ex(rc->c, service, operation, params, NULL, result, err, &local);
    if (r == 0) {
        stk_diags_append(d, &local);
        return 0;
    }
    if (err->code && err->status > 0) {
        /* an AWS error: the caller (waiter / paginator) decides what it means */
        stk_diags_free(&local);
        return 1;
    }
    stk_diags_append(d, &local);
    return -1;
}

int stk_aws_paginate(stk_aws_client *c, const char *service, const char *operation, json_t *params,
                     json_t **result, stk_diags *d)
{
    real_ctx ctx = {c};
    return stk_aws_paginate_with(real_call, &ctx, service, operation, params, result, d);
}

/* ---- waiters ---- */

static int acceptor_matches(json_t *acc, json_t *result, long status, const char *error_code)
{
    const char *matcher = stk_aws_json_str(acc, "matcher");
    json_t *expected = json_object_get(acc, "expected");
    const char *arg = stk_aws_json_str(acc, "argument");
    if (!matcher) return 0;
    if (strcmp(matcher, "status") == 0) return json_is_integer(expected) && json_integer_value(expected) == status;
    if (strcmp(matcher, "error") == 0) {
        if (json_is_true(expected)) return error_code != NULL;
        if (json_is_false(expected)) return error_code == NULL;
        return error_code && json_is_string(expected) && strcmp(error_code, json_string_value(expected)) == 0;
    }
    if (!result || !arg) return 0;
    json_t *v = stk_jmespath_search(arg, result, NULL);
    if (!v) return 0;
    int ok = 0;
    if (strcmp(matcher, "path") == 0) {
        ok = stk_jmespath_equal(v, expected);
    } else if (strcmp(matcher, "pathAll") == 0) {
        ok = json_is_array(v) && json_array_size(v) > 0;
        for (size_t i = 0; ok && i < json_array_size(v); i++)
            if (!stk_jmespath_equal(json_array_get(v, i), expected)) ok = 0;
    } else if (strcmp(matcher, "pathAny") == 0) {
        for (size_t i = 0; json_is_array(v) && i < json_array_size(v); i++)
            if (stk_jmespath_equal(json_array_get(v, i), expected)) ok = 1;
    }
    json_decref(v);
    return ok;
}

stk_aws_wait_state stk_aws_waiter_match(json_t *waiter, json_t *result, long status, const char *error_code)
{
    size_t i;
    json_t *acc;
    json_array_foreach(json_object_get(waiter, "acceptors"), i, acc) {
        if (!acceptor_matches(acc, result, status, error_code)) continue;
        const char *state = stk_aws_json_str(acc, "state");
        if (state && strcmp(state, "success") == 0) return STK_WAIT_SUCCESS;
        if (state && strcmp(state, "failure") == 0) return STK_WAIT_FAILURE;
        return STK_WAIT_RETRY;
    }
    return STK_WAIT_NONE;
}

static void sleep_s(double s)
{
    if (s <= 0) return;
    struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

int stk_aws_wait_with(stk_aws_call_fn fn, void *ctx, const char *service, const char *waiter_name, json_t *params,
                      double timeout_seconds, stk_diags *d)
{
    const stk_aws_model *m = stk_aws_model_get(service, d);
    if (!m) return -1;
    json_t *w = stk_aws_model_waiter(m, waiter_name);
    if (!w) {
        stk_strbuf names = STK_STRBUF_INIT;
        const char *k;
        json_t *v;
        json_object_foreach(stk_aws_model_waiters(m), k, v) {
            if (names.len) stk_strbuf_puts(&names, ", ");
            stk_strbuf_puts(&names, k);
        }
        stk_diags_error(d, NULL, "Unknown waiter", "%s has no waiter \"%s\". Known: %s", service,
                        waiter_name ? waiter_name : "(null)", names.len ? names.s : "(none)");
        stk_strbuf_free(&names);
        return -1;
    }
    const char *op = stk_aws_json_str(w, "operation");
    double delay = json_number_value(json_object_get(w, "delay"));
    int max_attempts = (int)json_integer_value(json_object_get(w, "maxAttempts"));
    if (max_attempts <= 0) max_attempts = 40;
    double scale = 1.0;
    const char *sc = getenv("STK_WAITER_DELAY_SCALE");
    if (sc && *sc) scale = strtod(sc, NULL);
    if (scale < 0) scale = 0;
    double start = now_s();
    for (int attempt = 1;; attempt++) {
        json_t *res = NULL;
        stk_aws_error e;
        memset(&e, 0, sizeof e);
        int r = fn(ctx, service, op, params, &res, &e, d);
        if (r < 0) {
            stk_aws_error_clear(&e);
            return -1;
        }
        long status = r == 0 ? (long)json_integer_value(json_object_get(json_object_get(res, "ResponseMetadata"),
                                                                          "HTTPStatusCode"))
                             : e.status;
        if (r == 0 && status == 0) status = 200;
        stk_aws_wait_state st = stk_aws_waiter_match(w, r == 0 ? res : NULL, status, r == 1 ? e.code : NULL);
        json_decref(res);
        if (st == STK_WAIT_SUCCESS) {
            stk_aws_error_clear(&e);
            return 0;
        }
        if (st == STK_WAIT_FAILURE) {
            stk_diags_error(d, NULL, "Waiter failed", "%s waiter %s: %s reached a failure state%s%s%s.", service,
                            waiter_name, op, r == 1 ? " (" : "", r == 1 ? e.code : "", r == 1 ? ")" : "");
            stk_aws_error_clear(&e);
            return -1;
        }
        if (st == STK_WAIT_NONE && r == 1) {
            stk_diags_error(d, NULL, "Waiter failed", "%s waiter %s: %s: %s: %s (HTTP %ld, request id %s)", service,
                            waiter_name, op, e.code, e.message ? e.message : "", e.status,
                            e.request_id ? e.request_id : "(none)");
            stk_aws_error_clear(&e);
            return -1;
        }
        stk_aws_error_clear(&e);
        double pause = delay * scale;
        double elapsed = now_s() - start;
        if (attempt >= max_attempts || (timeout_seconds > 0 && elapsed + pause > timeout_seconds)) {
            stk_diags_error(d, NULL, "Waiter timed out",
                            "%s waiter %s: still not done after %d attempt%s (%.1f s); the resource did not reach "
                            "the wanted state.",
                            service, waiter_name, attempt, attempt == 1 ? "" : "s", elapsed);
            return -1;
        }
        sleep_s(pause);
    }
}

int stk_aws_wait(stk_aws_client *c, const char *service, const char *waiter, json_t *params, double timeout_seconds,
                 stk_diags *d)
{
    real_ctx ctx = {c};
    return stk_aws_wait_with(real_call, &ctx, service, waiter, params, timeout_seconds, d);
}
