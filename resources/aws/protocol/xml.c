/* xml.c - shape-driven XML for the ec2, query and rest-xml protocols, through
 * libxml2 only: reading responses (no network, no entity expansion, size
 * capped, libxml2's default depth limit kept by never passing
 * XML_PARSE_HUGE) into JSON following an output shape, and writing rest-xml
 * request bodies from JSON following an input shape (libxml2 escapes). */
#include "aws/protocol/proto.h"
#include <libxml/parser.h>
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define XML_MAX_BYTES (64u * 1024 * 1024)

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;
static void xml_init(void) { xmlInitParser(); }

void stk_aws_xml_init(void)
{
    pthread_once(&xml_once, xml_init);
}

xmlDocPtr stk_aws_xml_read(const unsigned char *body, size_t len)
{
    if (!body || len == 0 || len > XML_MAX_BYTES) return NULL;
    return xmlReadMemory((const char *)body, (int)len, "response.xml", NULL,
                         XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
}

static int is_el(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && (!name || strcmp((const char *)n->name, name) == 0);
}

xmlNodePtr stk_aws_xml_child(xmlNodePtr parent, const char *name)
{
    for (xmlNodePtr c = parent ? parent->children : NULL; c; c = c->next)
        if (is_el(c, name)) return c;
    return NULL;
}

char *stk_aws_xml_text(xmlNodePtr n)
{
    xmlChar *t = xmlNodeGetContent(n);
    char *r = stk_xstrdup(t ? (const char *)t : "");
    xmlFree(t);
    return r;
}

/* IAM returns policy documents URL-encoded (RFC 3986); results carry the
   JSON text itself, as the AWS CLI and Terraform show it. */
static void url_decode_in_place(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (r[0] == '%' && isxdigit((unsigned char)r[1]) && isxdigit((unsigned char)r[2])) {
            char hex[3] = {r[1], r[2], 0};
            *w++ = (char)strtol(hex, NULL, 16);
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = 0;
}

static const char *list_member_name(json_t *lshape, const char *dflt)
{
    const char *n = stk_aws_json_str(json_object_get(lshape, "member"), "locationName");
    return n ? n : dflt;
}

static int is_flat(json_t *ref, json_t *shape)
{
    return stk_aws_json_true(ref, "flattened") || stk_aws_json_true(shape, "flattened");
}

static json_t *map_entry(const stk_aws_model *m, xmlNodePtr entry, json_t *shape, json_t *obj)
{
    json_t *kref = json_object_get(shape, "key"), *vref = json_object_get(shape, "value");
    const char *kn = stk_aws_json_str(kref, "locationName"), *vn = stk_aws_json_str(vref, "locationName");
    xmlNodePtr k = stk_aws_xml_child(entry, kn ? kn : "key");
    xmlNodePtr v = stk_aws_xml_child(entry, vn ? vn : "value");
    if (!k) return obj;
    char *key = stk_aws_xml_text(k);
    json_t *val = v ? stk_aws_xml_to_json(m, v, stk_aws_model_ref_shape(m, vref)) : json_null();
    json_object_set_new(obj, key, val);
    free(key);
    return obj;
}

json_t *stk_aws_xml_to_json(const stk_aws_model *m, xmlNodePtr node, json_t *shape)
{
    const char *t = stk_aws_shape_type(shape);
    if (strcmp(t, "structure") == 0) {
        json_t *obj = json_object();
        stk_aws_xml_struct_members(m, node, shape, obj, 0);
        return obj;
    }
    if (strcmp(t, "list") == 0) {
        json_t *arr = json_array();
        json_t *mref = json_object_get(shape, "member");
        json_t *mshape = stk_aws_model_ref_shape(m, mref);
        const char *want = stk_aws_json_str(mref, "locationName");
        for (xmlNodePtr c = node->children; c; c = c->next)
            if (is_el(c, want ? want : NULL) && (want || strcmp((const char *)c->name, "member") == 0 ||
                                                 strcmp((const char *)c->name, "item") == 0))
                json_array_append_new(arr, stk_aws_xml_to_json(m, c, mshape));
        return arr;
    }
    if (strcmp(t, "map") == 0) {
        json_t *obj = json_object();
        for (xmlNodePtr c = node->children; c; c = c->next)
            if (is_el(c, "entry")) map_entry(m, c, shape, obj);
        return obj;
    }
    char *text = stk_aws_xml_text(node);
    if (shape && shape == stk_aws_model_shape(m, "policyDocumentType")) url_decode_in_place(text);
    json_t *v = stk_aws_scalar_from_text(shape, text);
    free(text);
    return v;
}

void stk_aws_xml_struct_members(const stk_aws_model *m, xmlNodePtr node, json_t *shape, json_t *obj,
                                int skip_located)
{
    const char *key;
    json_t *ref;
    json_object_foreach(json_object_get(shape, "members"), key, ref) {
        if (skip_located && json_object_get(ref, "location")) continue;
        json_t *mshape = stk_aws_model_ref_shape(m, ref);
        const char *mt = stk_aws_shape_type(mshape);
        const char *name = stk_aws_member_wire_name(key, ref);
        if (stk_aws_json_true(ref, "xmlAttribute")) {
            const char *local = strchr(name, ':') ? strchr(name, ':') + 1 : name;
            for (xmlAttrPtr a = node->properties; a; a = a->next) {
                if (strcmp((const char *)a->name, local) != 0) continue;
                xmlChar *val = xmlNodeListGetString(node->doc, a->children, 1);
                json_object_set_new(obj, key, stk_aws_scalar_from_text(mshape, val ? (const char *)val : ""));
                xmlFree(val);
            }
            continue;
        }
        if (strcmp(mt, "list") == 0 && is_flat(ref, mshape)) {
            const char *ename = list_member_name(mshape, name);
            json_t *mm = stk_aws_model_ref_shape(m, json_object_get(mshape, "member"));
            json_t *arr = NULL;
            for (xmlNodePtr c = node->children; c; c = c->next) {
                if (!is_el(c, ename)) continue;
                if (!arr) arr = json_array();
                json_array_append_new(arr, stk_aws_xml_to_json(m, c, mm));
            }
            if (arr) json_object_set_new(obj, key, arr);
            continue;
        }
        if (strcmp(mt, "map") == 0 && is_flat(ref, mshape)) {
            json_t *mo = NULL;
            for (xmlNodePtr c = node->children; c; c = c->next) {
                if (!is_el(c, name)) continue;
                if (!mo) mo = json_object();
                map_entry(m, c, mshape, mo);
            }
            if (mo) json_object_set_new(obj, key, mo);
            continue;
        }
        xmlNodePtr c = stk_aws_xml_child(node, name);
        if (c) json_object_set_new(obj, key, stk_aws_xml_to_json(m, c, mshape));
    }
}

static void set_ns_attr(xmlNodePtr el, json_t *ns)
{
    const char *uri = stk_aws_json_str(ns, "uri");
    if (!uri) return;
    const char *prefix = stk_aws_json_str(ns, "prefix");
    char attr[128];
    if (prefix) snprintf(attr, sizeof attr, "xmlns:%s", prefix);
    else snprintf(attr, sizeof attr, "xmlns");
    if (!xmlHasProp(el, BAD_CAST attr)) xmlNewProp(el, BAD_CAST attr, BAD_CAST uri);
}

void stk_aws_xml_from_json(const stk_aws_model *m, xmlNodePtr parent, const char *name, json_t *shape,
                           json_t *ref, json_t *v)
{
    const char *t = stk_aws_shape_type(shape);
    if (strcmp(t, "structure") == 0) {
        xmlNodePtr el = xmlNewChild(parent, NULL, BAD_CAST name, NULL);
        json_t *members = json_object_get(shape, "members");
        /* xmlns / xmlns:prefix of the structure (ref's trait first, as botocore merges them) */
        json_t *sns = json_object_get(ref, "xmlNamespace");
        if (!sns) sns = json_object_get(shape, "xmlNamespace");
        if (sns) set_ns_attr(el, sns);
        const char *key;
        json_t *val;
        /* attributes first (xsi:type needs its namespace declared) */
        json_object_foreach(v, key, val) {
            json_t *mref = json_object_get(members, key);
            if (!stk_aws_json_true(mref, "xmlAttribute")) continue;
            json_t *ns = json_object_get(mref, "xmlNamespace");
            if (ns) set_ns_attr(el, ns);
            char *text = stk_aws_scalar_text(stk_aws_model_ref_shape(m, mref), mref, val, "iso8601");
            xmlNewProp(el, BAD_CAST stk_aws_member_wire_name(key, mref), BAD_CAST text);
            free(text);
        }
        json_object_foreach(v, key, val) {
            json_t *mref = json_object_get(members, key);
            if (!mref || stk_aws_json_true(mref, "xmlAttribute") || json_is_null(val)) continue;
            json_t *mshape = stk_aws_model_ref_shape(m, mref);
            const char *mname = stk_aws_member_wire_name(key, mref);
            if (strcmp(stk_aws_shape_type(mshape), "list") == 0 && is_flat(mref, mshape)) {
                json_t *lref = json_object_get(mshape, "member");
                json_t *lshape = stk_aws_model_ref_shape(m, lref);
                const char *ename = list_member_name(mshape, mname);
                size_t i;
                json_t *item;
                json_array_foreach(val, i, item) stk_aws_xml_from_json(m, el, ename, lshape, lref, item);
                continue;
            }
            stk_aws_xml_from_json(m, el, mname, mshape, mref, val);
        }
        return;
    }
    if (strcmp(t, "list") == 0) {
        xmlNodePtr el = xmlNewChild(parent, NULL, BAD_CAST name, NULL);
        json_t *lref = json_object_get(shape, "member");
        json_t *lshape = stk_aws_model_ref_shape(m, lref);
        const char *ename = list_member_name(shape, "member");
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item) stk_aws_xml_from_json(m, el, ename, lshape, lref, item);
        return;
    }
    if (strcmp(t, "map") == 0) {
        xmlNodePtr el = xmlNewChild(parent, NULL, BAD_CAST name, NULL);
        json_t *kref = json_object_get(shape, "key"), *vref = json_object_get(shape, "value");
        const char *kn = stk_aws_json_str(kref, "locationName"), *vn = stk_aws_json_str(vref, "locationName");
        const char *key;
        json_t *val;
        json_object_foreach(v, key, val) {
            xmlNodePtr e = xmlNewChild(el, NULL, BAD_CAST "entry", NULL);
            xmlNewTextChild(e, NULL, BAD_CAST(kn ? kn : "key"), BAD_CAST key);
            stk_aws_xml_from_json(m, e, vn ? vn : "value", stk_aws_model_ref_shape(m, vref), vref, val);
        }
        return;
    }
    char *text = stk_aws_scalar_text(shape, ref, v, "iso8601");
    xmlNewTextChild(parent, NULL, BAD_CAST name, BAD_CAST text);
    free(text);
}

static xmlNodePtr find_desc(xmlNodePtr n, const char *name, int depth)
{
    if (depth > 8) return NULL;
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next) {
        if (is_el(c, name)) return c;
    }
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) continue;
        xmlNodePtr r = find_desc(c, name, depth + 1);
        if (r) return r;
    }
    return NULL;
}

static char *text_of(xmlNodePtr root, const char *name)
{
    xmlNodePtr n = is_el(root, name) ? root : find_desc(root, name, 0);
    return n ? stk_aws_xml_text(n) : NULL;
}

void stk_aws_xml_error_fields(xmlNodePtr root, stk_aws_error *err)
{
    if (!err->code) err->code = text_of(root, "Code");
    if (!err->message) err->message = text_of(root, "Message");
    if (!err->request_id) err->request_id = text_of(root, "RequestId");
    if (!err->request_id) err->request_id = text_of(root, "RequestID");
}
