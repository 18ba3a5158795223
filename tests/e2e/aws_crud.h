/* aws_crud.h - what the per-family CRUD test programs under tests/e2e share:
 * the provider instance P, JSON and planned-value builders, /usr/bin/aws
 * read-back, and create/read/update/delete/import wrappers that print the
 * diagnostics of a failed call.  Header-only, like tests/unit/test.h. */
#ifndef STK_E2E_AWS_CRUD_H
#define STK_E2E_AWS_CRUD_H
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aws/common.h"

static stk_provider_instance *P;

static inline json_t *J(const char *s)
{
    json_error_t e;
    json_t *j = json_loads(s, JSON_DECODE_ANY, &e);
    if (!j) fprintf(stderr, "bad JSON in test: %s: %s\n", e.text, s);
    return j;
}

static inline void print_diags(stk_diags *d)
{
    for (size_t i = 0; i < d->len; i++)
        fprintf(stderr, "  diag: %s: %s\n", d->items[i].summary, d->items[i].detail ? d->items[i].detail : "");
}

/* a planned value from JSON (attributes not given are null) */
static inline stk_value *V(const stk_resource_type *t, const char *fmt, ...)
{
    char buf[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    stk_diags d = STK_DIAGS_INIT;
    stk_value *v = stk_aws_state_build(t, J(buf), &d);
    print_diags(&d);
    stk_diags_free(&d);
    return v;
}

/* /usr/bin/aws ... --output json, parsed (NULL on failure) */
static inline json_t *awscli(const char *fmt, ...)
{
    char args[4096], cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "/usr/bin/aws --endpoint-url %s --region eu-north-1 --output json %s 2>/dev/null",
             getenv("AWS_ENDPOINT_URL"), args);
    FILE *f = popen(cmd, "r");
    if (!f) return NULL;
    json_error_t e;
    json_t *j = json_loadf(f, 0, &e);
    pclose(f);
    return j;
}

static inline const char *S(stk_value *v, const char *name) { return stk_aws_get_str(v, name); }

static inline int create(const stk_resource_type *t, stk_value *planned, stk_value **st)
{
    stk_diags d = STK_DIAGS_INIT;
    int rc = t->create(P, t, planned, st, &d);
    if (rc) print_diags(&d);
    stk_diags_free(&d);
    return rc;
}
static inline int readv(const stk_resource_type *t, stk_value *prior, stk_value **st)
{
    stk_diags d = STK_DIAGS_INIT;
    int rc = t->read(P, t, prior, st, &d);
    if (rc) print_diags(&d);
    stk_diags_free(&d);
    return rc;
}
static inline int update(const stk_resource_type *t, stk_value *prior, stk_value *planned, stk_value **st)
{
    stk_diags d = STK_DIAGS_INIT;
    int rc = t->update(P, t, prior, planned, st, &d);
    if (rc) print_diags(&d);
    stk_diags_free(&d);
    return rc;
}
static inline int del(const stk_resource_type *t, stk_value *prior)
{
    stk_diags d = STK_DIAGS_INIT;
    int rc = t->del(P, t, prior, &d);
    if (rc) print_diags(&d);
    stk_diags_free(&d);
    return rc;
}
static inline int import(const stk_resource_type *t, const char *id, stk_value **st)
{
    stk_diags d = STK_DIAGS_INIT;
    int rc = t->import(P, t, id, st, &d);
    if (rc) print_diags(&d);
    stk_diags_free(&d);
    return rc;
}

#endif
