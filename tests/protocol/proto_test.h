/* proto_test.h - helpers shared by tests/unit/test_protocol_*.c: serialize a
 * sample request from JSON text, read a saved response under tests/protocol/
 * and parse it as a given HTTP status with given headers. */
#ifndef STK_PROTO_TEST_H
#define STK_PROTO_TEST_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>
#include "aws/protocol/call.h"
#include "util/strbuf.h"
#include "protocol_data_path.h"   /* STK_PROTOCOL_DATA, from tests/unit/meson.build */

static __attribute__((unused)) json_t *pt_json(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, 0, &e);
    if (!v) fprintf(stderr, "bad test JSON: %s: %s\n", e.text, text);
    return v;
}

/* Serialize; returns 0 and fills req, or -1 and prints the diagnostics. */
static __attribute__((unused)) int pt_ser(const char *svc, const char *op, const char *params, stk_aws_request *req)
{
    stk_diags d = STK_DIAGS_INIT;
    json_t *p = params ? pt_json(params) : NULL;
    int rc = stk_aws_serialize(svc, op, p, NULL, 0, req, &d);
    for (size_t i = 0; i < d.len; i++)
        fprintf(stderr, "  diag: %s: %s\n", d.items[i].summary, d.items[i].detail ? d.items[i].detail : "");
    stk_diags_free(&d);
    json_decref(p);
    return rc;
}

static __attribute__((unused)) const char *pt_header(const stk_aws_request *req, const char *name)
{
    for (size_t i = 0; i < req->nheaders; i++)
        if (strcasecmp(req->headers[i].name, name) == 0) return req->headers[i].value;
    return NULL;
}

static __attribute__((unused)) const char *pt_body(const stk_aws_request *req)
{
    return req->body ? (const char *)req->body : "";
}

static __attribute__((unused)) unsigned char *pt_load(const char *name, size_t *len)
{
    char path[1024];
    const char *here = __FILE__;   /* .../tests/protocol/proto_test.h, relative to the build dir */
    const char *slash = strrchr(here, '/');
    const char *prefixes[] = {"tests/protocol/", "../tests/protocol/", "../../tests/protocol/", NULL};
    FILE *f = NULL;
    snprintf(path, sizeof path, "%s/%s", STK_PROTOCOL_DATA, name);
    f = fopen(path, "rb");
    if (!f && slash) {
        snprintf(path, sizeof path, "%.*s/%s", (int)(slash - here), here, name);
        f = fopen(path, "rb");
    }
    for (int i = 0; !f && prefixes[i]; i++) {
        snprintf(path, sizeof path, "%s%s", prefixes[i], name);
        f = fopen(path, "rb");
    }
    if (!f && getenv("STK_SOURCE_ROOT")) {
        snprintf(path, sizeof path, "%s/tests/protocol/%s", getenv("STK_SOURCE_ROOT"), name);
        f = fopen(path, "rb");
    }
    if (!f) {
        fprintf(stderr, "cannot find test data %s (set STK_SOURCE_ROOT)\n", name);
        return NULL;
    }
    stk_strbuf b = STK_STRBUF_INIT;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) stk_strbuf_add(&b, buf, n);
    fclose(f);
    *len = b.len;
    return (unsigned char *)stk_strbuf_detach(&b);
}

/* Parse a saved response body (file, or literal text when file is NULL).
   hdrs: "name", "value", ..., NULL.  Returns stk_aws_parse's code. */
static __attribute__((unused)) int pt_parse(const char *svc, const char *op, const char *file, const char *text, long status,
                    const char **hdrs, json_t **result, stk_aws_error *err)
{
    stk_aws_response resp;
    memset(&resp, 0, sizeof resp);
    resp.status = status;
    if (file) resp.body = pt_load(file, &resp.body_len);
    else if (text) {
        resp.body = (unsigned char *)stk_xstrdup(text);
        resp.body_len = strlen(text);
    }
    if (file && !resp.body) return -2;
    size_t nh = 0;
    while (hdrs && hdrs[nh * 2]) nh++;
    stk_http_header h[16];
    for (size_t i = 0; i < nh && i < 16; i++) {
        h[i].name = (char *)hdrs[i * 2];
        h[i].value = (char *)hdrs[i * 2 + 1];
    }
    resp.headers = nh ? h : NULL;
    resp.nheaders = nh;
    stk_diags d = STK_DIAGS_INIT;
    memset(err, 0, sizeof *err);
    int rc = stk_aws_parse(svc, op, &resp, result, err, NULL, NULL, &d);
    for (size_t i = 0; i < d.len; i++) fprintf(stderr, "  diag: %s: %s\n", d.items[i].summary, d.items[i].detail);
    stk_diags_free(&d);
    free(resp.body);
    return rc;
}

/* A string at a JMESPath-free dotted path with [N] indexes: "Vpc.Tags[0].Key". */
static __attribute__((unused)) json_t *pt_get(json_t *v, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *save = NULL, *tok = strtok_r(buf, ".", &save); tok && v; tok = strtok_r(NULL, ".", &save)) {
        char *br = strchr(tok, '[');
        if (br) *br = 0;
        if (*tok) v = json_object_get(v, tok);
        while (br && v) {
            v = json_array_get(v, (size_t)atoi(br + 1));
            br = strchr(br + 1, '[');
        }
    }
    return v;
}
static __attribute__((unused)) const char *pt_str(json_t *v, const char *path)
{
    return json_string_value(pt_get(v, path));
}

#endif
