/* restxml.c - the REST-XML protocol (s3, cloudfront).
 *
 * Requests follow the operation's http trait: method and requestUri with
 * {Label} (percent-encoded, '/' too) and greedy {Label+} (slashes kept)
 * substituted from "uri" members; "querystring" members appended after the
 * literal query of the requestUri; "header" members as headers (timestamps
 * RFC 822, lists comma-joined), "headers" maps under their prefix
 * (x-amz-meta-); the payload member as the body: a blob/string payload raw
 * (S3 PutObject), a structure payload as XML with its xmlNamespace; other
 * body members inside an element named after the input shape.  Content-MD5
 * is added when the model requires a checksum.
 *
 * S3 bucket addressing: when the operation has a Bucket label whose value
 * is a plain DNS label, the request is virtual-hosted: host_prefix is
 * "bucket." and the path is the rest ("/key", "/").  The client, which
 * knows whether the endpoint allows that (not an IP, s3_use_path_style
 * off), puts the bucket back in front of the path when it does not.  Other
 * bucket names stay in the path.
 *
 * Responses: header/headers/statusCode members from the response, the rest
 * from the XML root (or the payload member).  Errors: <Error><Code/>
 * <Message/><RequestId/></Error> (S3), <ErrorResponse><Error>..</Error>
 * <RequestId/></ErrorResponse> (CloudFront); a bodiless error (HEAD) gets a
 * code from its status: 404 NotFound, 403 Forbidden, 400 BadRequest,
 * 301 MovedPermanently, 304 NotModified, 412 PreconditionFailed.
 */
#include "aws/protocol/proto.h"
#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/md5.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int dns_compatible_bucket(const char *b)
{
    size_t n = strlen(b);
    if (n < 3 || n > 63) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)b[i];
        if (!(islower(c) || isdigit(c) || c == '-')) return 0;
    }
    return b[0] != '-' && b[n - 1] != '-';
}

static void query_pair(stk_strbuf *q, const char *k, const char *v)
{
    if (q->len) stk_strbuf_putc(q, '&');
    stk_aws_urlenc(q, k, strlen(k), 0);
    stk_strbuf_putc(q, '=');
    stk_aws_urlenc(q, v, strlen(v), 0);
}

static int build_uri(const stk_aws_op *o, json_t *params, stk_strbuf *path, stk_strbuf *q, stk_diags *d)
{
    const char *uri = stk_aws_json_str(json_object_get(o->op, "http"), "requestUri");
    if (!uri) uri = "/";
    const char *qmark = strchr(uri, '?');
    size_t plen = qmark ? (size_t)(qmark - uri) : strlen(uri);
    json_t *members = json_object_get(o->input, "members");
    for (size_t i = 0; i < plen; i++) {
        if (uri[i] != '{') {
            stk_strbuf_putc(path, uri[i]);
            continue;
        }
        const char *end = memchr(uri + i, '}', plen - i);
        if (!end) break;
        char *label = stk_xstrndup(uri + i + 1, (size_t)(end - uri - i - 1));
        int greedy = label[0] && label[strlen(label) - 1] == '+';
        if (greedy) label[strlen(label) - 1] = 0;
        const char *key;
        json_t *mref, *val = NULL;
        json_object_foreach(members, key, mref) {
            const char *loc = stk_aws_json_str(mref, "location");
            if (loc && strcmp(loc, "uri") == 0 && strcmp(stk_aws_member_wire_name(key, mref), label) == 0)
                val = json_object_get(params, key);
        }
        if (!val) {
            stk_diags_error(d, NULL, "Missing URI parameter", "%s %s needs \"%s\" for its request path.",
                            o->service, o->name, label);
            free(label);
            return -1;
        }
        char *text = stk_aws_scalar_text(NULL, NULL, val, "iso8601");
        if (!*text) {
            stk_diags_error(d, NULL, "Empty URI parameter", "%s %s: \"%s\" must not be empty.", o->service,
                            o->name, label);
            free(text);
            free(label);
            return -1;
        }
        stk_aws_urlenc(path, text, strlen(text), greedy);
        free(text);
        free(label);
        i = (size_t)(end - uri);
    }
    if (qmark) {
        /* literal query: "tagging", "list-type=2", "x-id=PutObject" */
        char *lit = stk_xstrdup(qmark + 1);
        for (char *save = NULL, *tok = strtok_r(lit, "&", &save); tok; tok = strtok_r(NULL, "&", &save)) {
            char *eq = strchr(tok, '=');
            if (eq) *eq = 0;
            query_pair(q, tok, eq ? eq + 1 : "");
        }
        free(lit);
    }
    return 0;
}

int stk_aws_restxml_serialize(const stk_aws_op *o, json_t *params, const unsigned char *body, size_t body_len,
                              stk_aws_request *req, stk_diags *d)
{
    stk_strbuf path = STK_STRBUF_INIT, q = STK_STRBUF_INIT;
    json_t *http = json_object_get(o->op, "http");
    req->method = stk_aws_json_str(http, "method");
    if (!req->method) req->method = "GET";
    if (build_uri(o, params, &path, &q, d) != 0) {
        stk_strbuf_free(&path);
        stk_strbuf_free(&q);
        return -1;
    }
    json_t *members = json_object_get(o->input, "members");
    const char *payload = stk_aws_json_str(o->input, "payload");
    int has_body_members = 0, xml_body = 0;
    const char *key;
    json_t *val;
    json_object_foreach(params, key, val) {
        json_t *mref = json_object_get(members, key);
        if (!mref || json_is_null(val)) continue;
        json_t *mshape = stk_aws_model_ref_shape(o->m, mref);
        const char *loc = stk_aws_json_str(mref, "location");
        const char *name = stk_aws_member_wire_name(key, mref);
        if (!loc) {
            if (!payload) has_body_members = 1;
            continue;
        }
        if (strcmp(loc, "querystring") == 0) {
            const char *t = stk_aws_shape_type(mshape);
            if (strcmp(t, "list") == 0) {
                json_t *lref = json_object_get(mshape, "member");
                size_t i;
                json_t *item;
                json_array_foreach(val, i, item) {
                    char *text = stk_aws_scalar_text(stk_aws_model_ref_shape(o->m, lref), lref, item, "iso8601");
                    query_pair(&q, name, text);
                    free(text);
                }
            } else if (strcmp(t, "map") == 0) {
                const char *k2;
                json_t *v2;
                json_object_foreach(val, k2, v2) query_pair(&q, k2, json_string_value(v2) ? json_string_value(v2) : "");
            } else {
                char *text = stk_aws_scalar_text(mshape, mref, val, "iso8601");
                query_pair(&q, name, text);
                free(text);
            }
        } else if (strcmp(loc, "header") == 0) {
            char *text;
            if (strcmp(stk_aws_shape_type(mshape), "list") == 0) {
                stk_strbuf hb = STK_STRBUF_INIT;
                json_t *lref = json_object_get(mshape, "member");
                size_t i;
                json_t *item;
                json_array_foreach(val, i, item) {
                    char *t = stk_aws_scalar_text(stk_aws_model_ref_shape(o->m, lref), lref, item, "rfc822");
                    if (i) stk_strbuf_puts(&hb, ",");
                    stk_strbuf_puts(&hb, t);
                    free(t);
                }
                text = hb.s ? stk_strbuf_detach(&hb) : stk_xstrdup("");
            } else if (stk_aws_json_true(mshape, "jsonvalue") || stk_aws_json_true(mref, "jsonvalue")) {
                char *js = json_dumps(val, JSON_COMPACT | JSON_ENCODE_ANY);
                text = stk_aws_base64((unsigned char *)js, strlen(js));
                free(js);
            } else {
                text = stk_aws_scalar_text(mshape, mref, val, "rfc822");
            }
            stk_aws_req_add_header(req, name, text);
            free(text);
        } else if (strcmp(loc, "headers") == 0) {
            const char *k2;
            json_t *v2;
            json_object_foreach(val, k2, v2) {
                char *h = stk_xasprintf("%s%s", name, k2);
                stk_aws_req_add_header(req, h, json_string_value(v2) ? json_string_value(v2) : "");
                free(h);
            }
        } else if (strcmp(loc, "uri") == 0 && strcmp(key, "Bucket") == 0 && json_is_string(val) &&
                   strcmp(o->service, "s3") == 0 && dns_compatible_bucket(json_string_value(val))) {
            /* the client puts the bucket in the host or back into the path */
            size_t bl = json_string_length(val);
            if (path.len > bl && path.s[0] == '/' && strncmp(path.s + 1, json_string_value(val), bl) == 0 &&
                (path.s[bl + 1] == '/' || path.s[bl + 1] == 0)) {
                req->host_prefix = stk_xasprintf("%s.", json_string_value(val));
                char *rest = stk_xstrdup(path.s[bl + 1] ? path.s + bl + 1 : "/");
                stk_strbuf_reset(&path);
                stk_strbuf_puts(&path, rest);
                free(rest);
            }
        }
    }

    /* body */
    if (payload) {
        json_t *pref = json_object_get(members, payload);
        json_t *pshape = stk_aws_model_ref_shape(o->m, pref);
        const char *pt = stk_aws_shape_type(pshape);
        json_t *pv = json_object_get(params, payload);
        if (strcmp(pt, "blob") == 0 || strcmp(pt, "string") == 0) {
            if (body) {
                req->body = stk_xmalloc(body_len + 1);
                memcpy(req->body, body, body_len);
                req->body[body_len] = 0;
                req->body_len = body_len;
            } else if (json_is_string(pv)) {
                req->body = (unsigned char *)stk_xstrndup(json_string_value(pv), json_string_length(pv));
                req->body_len = json_string_length(pv);
            }
        } else if (pv && !json_is_null(pv)) {
            xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
            xmlNodePtr holder = xmlNewNode(NULL, BAD_CAST "holder");
            xmlDocSetRootElement(doc, holder);
            const char *root = stk_aws_json_str(pref, "locationName");
            if (!root) root = stk_aws_json_str(pshape, "locationName");
            if (!root) root = payload;
            stk_aws_xml_from_json(o->m, holder, root, pshape, pref, pv);
            xmlNodePtr el = holder->children;
            xmlBufferPtr buf = xmlBufferCreate();
            xmlNodeDump(buf, doc, el, 0, 0);
            xml_body = 1;
            req->body_len = (size_t)xmlBufferLength(buf);
            req->body = (unsigned char *)stk_xstrndup((const char *)xmlBufferContent(buf), req->body_len);
            xmlBufferFree(buf);
            xmlFreeDoc(doc);
        }
    } else if (has_body_members) {
        json_t *subset = json_object();
        json_object_foreach(params, key, val) {
            json_t *mref = json_object_get(members, key);
            if (mref && !json_object_get(mref, "location")) json_object_set(subset, key, val);
        }
        xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
        xmlNodePtr holder = xmlNewNode(NULL, BAD_CAST "holder");
        xmlDocSetRootElement(doc, holder);
        const char *root = stk_aws_json_str(o->input, "locationName");
        stk_aws_xml_from_json(o->m, holder, root ? root : o->name, o->input, NULL, subset);
        xmlBufferPtr buf = xmlBufferCreate();
        xmlNodeDump(buf, doc, holder->children, 0, 0);
        xml_body = 1;
        req->body_len = (size_t)xmlBufferLength(buf);
        req->body = (unsigned char *)stk_xstrndup((const char *)xmlBufferContent(buf), req->body_len);
        xmlBufferFree(buf);
        xmlFreeDoc(doc);
        json_decref(subset);
    }
    /* say what the body is (an HTTP stack must not label it a form) */
    if (xml_body) {
        int have = 0;
        for (size_t i = 0; i < req->nheaders; i++)
            if (strcasecmp(req->headers[i].name, "Content-Type") == 0) have = 1;
        if (!have) stk_aws_req_add_header(req, "Content-Type", "application/xml");
    }
    json_t *ck = json_object_get(o->op, "httpChecksum");
    int have_md5 = 0;
    for (size_t i = 0; i < req->nheaders; i++)
        if (strcasecmp(req->headers[i].name, "Content-MD5") == 0) have_md5 = 1;
    if (req->body && !have_md5 && (stk_aws_json_true(ck, "requestChecksumRequired") ||
                      stk_aws_json_true(o->op, "httpChecksumRequired"))) {
        unsigned char md[16];
        unsigned int mdlen = 0;
        EVP_Digest(req->body, req->body_len, md, &mdlen, EVP_md5(), NULL);
        char *b64 = stk_aws_base64(md, mdlen);
        stk_aws_req_add_header(req, "Content-MD5", b64);
        free(b64);
    }
    req->path = stk_strbuf_detach(&path);
    if (!req->path) req->path = stk_xstrdup("/");
    req->query = q.len ? stk_strbuf_detach(&q) : NULL;
    stk_strbuf_free(&q);
    return 0;
}

int stk_aws_restxml_parse(const stk_aws_op *o, const stk_aws_response *resp, json_t **result,
                          unsigned char **out_body, size_t *out_body_len, stk_diags *d)
{
    json_t *r = json_object();
    json_t *members = json_object_get(o->output, "members");
    const char *payload = stk_aws_json_str(o->output, "payload");
    const char *key;
    json_t *mref;
    json_object_foreach(members, key, mref) {
        const char *loc = stk_aws_json_str(mref, "location");
        if (!loc) continue;
        json_t *mshape = stk_aws_model_ref_shape(o->m, mref);
        const char *name = stk_aws_member_wire_name(key, mref);
        if (strcmp(loc, "header") == 0) {
            const char *hv = stk_aws_header(resp, name);
            if (!hv) continue;
            if (strcmp(stk_aws_shape_type(mshape), "list") == 0) {
                json_t *arr = json_array();
                json_t *lshape = stk_aws_model_ref_shape(o->m, json_object_get(mshape, "member"));
                char *copy = stk_xstrdup(hv);
                for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                    while (*tok == ' ') tok++;
                    json_array_append_new(arr, stk_aws_scalar_from_text(lshape, tok));
                }
                free(copy);
                json_object_set_new(r, key, arr);
            } else {
                json_object_set_new(r, key, stk_aws_scalar_from_text(mshape, hv));
            }
        } else if (strcmp(loc, "headers") == 0) {
            json_t *map = json_object();
            size_t plen = strlen(name);
            for (size_t i = 0; i < resp->nheaders; i++)
                if (strncasecmp(resp->headers[i].name, name, plen) == 0)
                    json_object_set_new(map, resp->headers[i].name + plen, json_string(resp->headers[i].value));
            if (json_object_size(map)) json_object_set_new(r, key, map);
            else json_decref(map);
        } else if (strcmp(loc, "statusCode") == 0) {
            json_object_set_new(r, key, json_integer(resp->status));
        }
    }
    if (payload) {
        json_t *pref = json_object_get(members, payload);
        json_t *pshape = stk_aws_model_ref_shape(o->m, pref);
        const char *pt = stk_aws_shape_type(pshape);
        if (strcmp(pt, "blob") == 0 || strcmp(pt, "string") == 0) {
            if (out_body) {
                *out_body = stk_xmalloc(resp->body_len + 1);
                if (resp->body_len) memcpy(*out_body, resp->body, resp->body_len);
                (*out_body)[resp->body_len] = 0;
                if (out_body_len) *out_body_len = resp->body_len;
            } else if (stk_aws_utf8_valid(resp->body, resp->body_len)) {
                json_object_set_new(r, payload, json_stringn((const char *)resp->body, resp->body_len));
            } else {
                char *b64 = stk_aws_base64(resp->body, resp->body_len);
                char *enc = stk_xasprintf("%sEncoding", payload);
                json_object_set_new(r, payload, json_string(b64));
                json_object_set_new(r, enc, json_string("base64"));
                free(enc);
                free(b64);
            }
        } else if (resp->body_len) {
            xmlDocPtr doc = stk_aws_xml_read(resp->body, resp->body_len);
            if (!doc) goto malformed;
            json_object_set_new(r, payload, stk_aws_xml_to_json(o->m, xmlDocGetRootElement(doc), pshape));
            xmlFreeDoc(doc);
        }
    } else if (resp->body_len && o->output) {
        xmlDocPtr doc = stk_aws_xml_read(resp->body, resp->body_len);
        if (!doc) goto malformed;
        xmlNodePtr root = xmlDocGetRootElement(doc);
        json_t *self = json_object_get(members, (const char *)root->name);
        if (self && !json_object_get(self, "location") && !stk_aws_xml_child(root, NULL)) {
            /* GetBucketLocation: the root element is the member itself */
            json_object_set_new(r, (const char *)root->name,
                                stk_aws_xml_to_json(o->m, root, stk_aws_model_ref_shape(o->m, self)));
        } else {
            stk_aws_xml_struct_members(o->m, root, o->output, r, 1);
        }
        xmlFreeDoc(doc);
    }
    const char *rid = stk_aws_header(resp, "x-amz-request-id");
    if (!rid) rid = stk_aws_header(resp, "x-amzn-requestid");
    stk_aws_set_response_metadata(r, rid, resp->status);
    *result = r;
    return 0;
malformed:
    stk_diags_error(d, NULL, "Malformed AWS response", "%s %s: the response body is not XML (HTTP %ld).", o->service,
                    o->name, resp->status);
    json_decref(r);
    return -1;
}

void stk_aws_restxml_parse_error(const stk_aws_response *resp, stk_aws_error *err)
{
    xmlDocPtr doc = resp->body_len ? stk_aws_xml_read(resp->body, resp->body_len) : NULL;
    if (doc) {
        stk_aws_xml_error_fields(xmlDocGetRootElement(doc), err);
        xmlFreeDoc(doc);
    }
    if (!err->code) {
        const char *c;
        switch (resp->status) {
        case 404: c = "NotFound"; break;
        case 403: c = "Forbidden"; break;
        case 400: c = "BadRequest"; break;
        case 301: c = "MovedPermanently"; break;
        case 304: c = "NotModified"; break;
        case 412: c = "PreconditionFailed"; break;
        default: c = NULL;
        }
        err->code = c ? stk_xstrdup(c) : stk_xasprintf("HTTP%ld", resp->status);
    }
    if (!err->request_id) {
        const char *rid = stk_aws_header(resp, "x-amz-request-id");
        if (rid) err->request_id = stk_xstrdup(rid);
    }
}
