/* iam_policy_document.c - the data source aws_iam_policy_document,
 * evaluated locally (no AWS call), producing the JSON text
 * terraform-provider-aws produces for the same configuration:
 *   - keys in the provider's order: Version, Id, Statement; per statement
 *     Sid, Effect, Action, NotAction, Resource, NotResource, Principal,
 *     NotPrincipal, Condition; empty ones left out (Go's omitempty);
 *   - a one-element list becomes a plain string; longer lists are sorted
 *     in reverse byte order, as the provider's policyDecodeConfigStringList;
 *   - principals of one type are merged; {type="*", identifiers=["*"]}
 *     alone is "Principal": "*";
 *   - json is indented by two spaces (Go's MarshalIndent), minified_json
 *     compact; <, > and & escaped as \u003c \u003e \u0026 as Go does;
 *   - id is the CRC-32 of json in decimal, as the provider's hash.
 * source_policy_documents are merged first, then the statement blocks
 * (replacing statements with the same Sid), then override_policy_documents
 * (again replacing by Sid, else appended).
 */
#include "aws/idobs_util.h"
#include "aws/aws_types.h"
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static const stk_schema_attr principal_attrs[] = {
    {"identifiers", "set(string)", STK_ATTR_REQUIRED, NULL, NULL, NULL},
    {"type", "string", STK_ATTR_REQUIRED, NULL, NULL, NULL},
};
static const stk_schema principal_schema = {principal_attrs, 2, NULL, 0};
static const stk_schema_attr condition_attrs[] = {
    {"test", "string", STK_ATTR_REQUIRED, NULL, NULL, NULL},
    {"values", "list(string)", STK_ATTR_REQUIRED, NULL, NULL, NULL},
    {"variable", "string", STK_ATTR_REQUIRED, NULL, NULL, NULL},
};
static const stk_schema condition_schema = {condition_attrs, 3, NULL, 0};
static const stk_schema_block statement_blocks[] = {
    {"condition", STK_NESTING_SET, 0, 0, &condition_schema, 0},
    {"not_principals", STK_NESTING_SET, 0, 0, &principal_schema, 0},
    {"principals", STK_NESTING_SET, 0, 0, &principal_schema, 0},
};
static const stk_schema_attr statement_attrs[] = {
    {"actions", "set(string)", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"effect", "string", STK_ATTR_OPTIONAL, "\"Allow\"", NULL, NULL},
    {"not_actions", "set(string)", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"not_resources", "set(string)", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"resources", "set(string)", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"sid", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
};
static const stk_schema statement_schema = {statement_attrs, STK_AWS_NATTRS(statement_attrs), statement_blocks, 3};
static const stk_schema_block doc_blocks[] = {
    {"statement", STK_NESTING_LIST, 0, 0, &statement_schema, 0},
};
static const stk_schema_attr doc_attrs[] = {
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"json", "string", STK_ATTR_COMPUTED, NULL, "the policy document, indented", NULL},
    {"minified_json", "string", STK_ATTR_COMPUTED, NULL, "the policy document, compact", NULL},
    {"override_policy_documents", "list(string)", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"policy_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"source_policy_documents", "list(string)", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"version", "string", STK_ATTR_OPTIONAL, "\"2012-10-17\"", NULL, NULL},
};
static const stk_schema doc_schema = {doc_attrs, STK_AWS_NATTRS(doc_attrs), doc_blocks, 1};

static int cmp_rev(const void *a, const void *b) { return -strcmp(*(char *const *)a, *(char *const *)b); }

/* A list of strings as the provider writes it: one -> string, more ->
   reverse-sorted array; NULL when empty. */
static json_t *str_list(json_t *arr)
{
    size_t n = json_array_size(arr);
    if (n == 0) return NULL;
    if (n == 1) return json_incref(json_array_get(arr, 0));
    const char **s = stk_xcalloc(n, sizeof *s);
    for (size_t i = 0; i < n; i++) s[i] = json_string_value(json_array_get(arr, i));
    qsort(s, n, sizeof *s, cmp_rev);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(out, json_string(s[i] ? s[i] : ""));
    free(s);
    return out;
}

/* principals blocks -> "Principal" value (NULL when none) */
static json_t *principals(stk_value *st, const char *block)
{
    size_t n = stk_aws_get_count(st, block);
    if (n == 0) return NULL;
    if (n == 1) {
        stk_value *p = stk_aws_get_elem(st, block, 0);
        json_t *ids = stk_aws_get_strings(p, "identifiers");
        const char *type = stk_aws_get_str(p, "type");
        int star = type && !strcmp(type, "*") && json_array_size(ids) == 1 &&
                   !strcmp(json_string_value(json_array_get(ids, 0)), "*");
        json_decref(ids);
        if (star) return json_string("*");
    }
    /* merged by type, types in order of appearance */
    json_t *by = json_object(), *order = json_array();
    for (size_t i = 0; i < n; i++) {
        stk_value *p = stk_aws_get_elem(st, block, i);
        const char *type = stk_aws_get_str(p, "type");
        if (!type) continue;
        json_t *ids = stk_aws_get_strings(p, "identifiers"), *sorted = json_array();
        /* each block's identifiers sorted as one list, then appended */
        json_t *one = str_list(ids);
        if (json_is_string(one)) json_array_append(sorted, one);
        else if (one) json_array_extend(sorted, one);
        json_decref(one);
        json_decref(ids);
        json_t *have = json_object_get(by, type);
        if (!have) {
            json_object_set_new(by, type, sorted);
            json_array_append_new(order, json_string(type));
        } else {
            json_array_extend(have, sorted);
            json_decref(sorted);
        }
    }
    json_t *out = json_object();
    size_t i;
    json_t *tv;
    json_array_foreach(order, i, tv) {
        json_t *ids = json_object_get(by, json_string_value(tv));
        json_object_set_new(out, json_string_value(tv),
                            json_array_size(ids) == 1 ? json_incref(json_array_get(ids, 0)) : json_incref(ids));
    }
    json_decref(by);
    json_decref(order);
    return out;
}

static json_t *conditions(stk_value *st)
{
    size_t n = stk_aws_get_count(st, "condition");
    if (n == 0) return NULL;
    json_t *out = json_object();
    for (size_t i = 0; i < n; i++) {
        stk_value *c = stk_aws_get_elem(st, "condition", i);
        const char *test = stk_aws_get_str(c, "test"), *var = stk_aws_get_str(c, "variable");
        if (!test || !var) continue;
        json_t *vals = stk_aws_get_strings(c, "values");
        json_t *v = str_list(vals);
        json_decref(vals);
        json_t *t = json_object_get(out, test);
        if (!t) {
            t = json_object();
            json_object_set_new(out, test, t);
        }
        json_object_set_new(t, var, v ? v : json_array());
    }
    return out;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Go marshals maps with sorted keys: a copy of o (stolen) whose objects
   are inserted in key order, for the JSON_PRESERVE_ORDER dump */
static json_t *sorted(json_t *o)
{
    if (!json_is_object(o)) return o;
    size_t n = json_object_size(o), i = 0;
    const char **keys = stk_xcalloc(n + 1, sizeof *keys);
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) keys[i++] = k;
    qsort(keys, n, sizeof *keys, cmp_str);
    json_t *out = json_object();
    for (i = 0; i < n; i++) json_object_set_new(out, keys[i], sorted(json_incref(json_object_get(o, keys[i]))));
    free(keys);
    json_decref(o);
    return out;
}

static void set_opt(json_t *o, const char *key, json_t *v)
{
    if (v) json_object_set_new(o, key, sorted(v));
}

static json_t *statement_json(stk_value *st)
{
    json_t *o = json_object();
    const char *sid = stk_aws_get_str(st, "sid");
    if (sid && *sid) json_object_set_new(o, "Sid", json_string(sid));
    const char *eff = stk_aws_get_str(st, "effect");
    json_object_set_new(o, "Effect", json_string(eff ? eff : "Allow"));
    static const char *const lists[][2] = {
        {"actions", "Action"}, {"not_actions", "NotAction"}, {"resources", "Resource"}, {"not_resources", "NotResource"}};
    for (size_t i = 0; i < 4; i++) {
        json_t *a = stk_aws_get_strings(st, lists[i][0]);
        set_opt(o, lists[i][1], str_list(a));
        json_decref(a);
    }
    set_opt(o, "Principal", principals(st, "principals"));
    set_opt(o, "NotPrincipal", principals(st, "not_principals"));
    set_opt(o, "Condition", conditions(st));
    return o;
}

/* Put statement s into list: replace the one with the same non-empty Sid,
   else append (s stolen). */
static void merge_statement(json_t *list, json_t *s)
{
    const char *sid = stk_aws_jstr(s, "Sid");
    if (sid && *sid) {
        size_t i;
        json_t *e;
        json_array_foreach(list, i, e) {
            const char *o = stk_aws_jstr(e, "Sid");
            if (o && !strcmp(o, sid)) {
                json_array_set_new(list, i, s);
                return;
            }
        }
    }
    json_array_append_new(list, s);
}

/* Statements of policy documents given as text (source / override). */
static int merge_docs(stk_value *cfg, const char *attr, json_t *list, json_t *top, stk_diags *d)
{
    json_t *docs = stk_aws_get_strings(cfg, attr);
    size_t i;
    json_t *e;
    int rc = 0;
    json_array_foreach(docs, i, e) {
        json_error_t err;
        json_t *doc = json_loads(json_string_value(e), 0, &err);
        if (!json_is_object(doc)) {
            stk_diags_error(d, NULL, "Invalid policy document", "aws_iam_policy_document: %s[%zu] is not a JSON object: %s",
                            attr, i, err.text);
            json_decref(doc);
            rc = -1;
            continue;
        }
        const char *ver = stk_aws_jstr(doc, "Version"), *id = stk_aws_jstr(doc, "Id");
        if (ver) json_object_set_new(top, "Version", json_string(ver));
        if (id) json_object_set_new(top, "Id", json_string(id));
        json_t *sts = json_object_get(doc, "Statement");
        if (json_is_object(sts)) merge_statement(list, json_incref(sts));
        size_t j;
        json_t *s;
        json_array_foreach(sts, j, s) merge_statement(list, json_incref(s));
        json_decref(doc);
    }
    json_decref(docs);
    return rc;
}

/* Go's json.Marshal escapes <, > and & (malloc'd copy) */
static char *go_escape(const char *s)
{
    stk_strbuf b = STK_STRBUF_INIT;
    for (const char *c = s; *c; c++) {
        if (*c == '<') stk_strbuf_puts(&b, "\\u003c");
        else if (*c == '>') stk_strbuf_puts(&b, "\\u003e");
        else if (*c == '&') stk_strbuf_puts(&b, "\\u0026");
        else stk_strbuf_putc(&b, *c);
    }
    char *out = stk_strbuf_detach(&b);
    if (!out) out = stk_xstrdup("");
    stk_strbuf_free(&b);
    return out;
}

static int doc_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *cfg, stk_value **state,
                    stk_diags *d)
{
    (void)p;
    *state = NULL;
    json_t *top = json_object(), *list = json_array();
    const char *ver = stk_aws_get_str(cfg, "version");
    json_object_set_new(top, "Version", json_string(ver ? ver : "2012-10-17"));
    int rc = merge_docs(cfg, "source_policy_documents", list, top, d);
    size_t n = stk_aws_get_count(cfg, "statement");
    for (size_t i = 0; i < n; i++) merge_statement(list, statement_json(stk_aws_get_elem(cfg, "statement", i)));
    if (merge_docs(cfg, "override_policy_documents", list, top, d) != 0) rc = -1;
    if (ver) json_object_set_new(top, "Version", json_string(ver));
    const char *pid = stk_aws_get_str(cfg, "policy_id");
    if (pid) json_object_set_new(top, "Id", json_string(pid));
    /* key order: Version, Id, Statement */
    json_t *doc = json_object();
    json_object_set(doc, "Version", json_object_get(top, "Version"));
    if (json_object_get(top, "Id")) json_object_set(doc, "Id", json_object_get(top, "Id"));
    if (json_array_size(list)) json_object_set(doc, "Statement", list);
    json_decref(top);
    json_decref(list);
    if (rc != 0) {
        json_decref(doc);
        return -1;
    }
    char *pretty = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    char *mini = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(doc);
    char *pe = go_escape(pretty), *me = go_escape(mini);
    free(pretty);
    free(mini);
    json_t *st = stk_aws_state_start(cfg);
    json_object_set_new(st, "json", json_string(pe));
    json_object_set_new(st, "minified_json", json_string(me));
    json_object_set_new(st, "id", json_sprintf("%lu", (unsigned long)crc32(0L, (const Bytef *)pe, (uInt)strlen(pe))));
    if (!ver) json_object_set_new(st, "version", json_string("2012-10-17"));
    free(pe);
    free(me);
    *state = stk_aws_state_build(t, st, d);
    return *state ? 0 : -1;
}

const stk_resource_type stk_data_aws_iam_policy_document_type = {
    "aws_iam_policy_document", "aws", STK_RESOURCE_DATA, &doc_schema, NULL, NULL, NULL, NULL, NULL, doc_read, NULL, NULL,
};
