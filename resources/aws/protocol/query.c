/* query.c - the AWS Query protocol (elbv2, autoscaling, elasticache, iam,
 * sts, monitoring, sns) and the response side shared with EC2.
 *
 * Requests are POST / with a form body: Action, Version, then the params
 * flattened into dotted names in the order the caller gave them:
 *   structure members  Prefix.Name            (Name = locationName or member)
 *   lists              Prefix.member.N        (or the member's locationName;
 *                      flattened lists drop the ".member")
 *   maps               Prefix.entry.N.key / Prefix.entry.N.value
 *   an empty list      Prefix=                (so AWS sees "empty", not "absent")
 * Responses are XML: <OpResponse><OpResult>...</OpResult><ResponseMetadata>;
 * the operation's output ref names the result wrapper.  Errors:
 * <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>.
 */
#include "aws/protocol/proto.h"
#include <stdlib.h>
#include <string.h>

static void add_pair(stk_strbuf *body, const char *name, const char *value)
{
    stk_strbuf_putc(body, '&');
    stk_aws_formenc(body, name, strlen(name));
    stk_strbuf_putc(body, '=');
    stk_aws_formenc(body, value, strlen(value));
}

static void serialize(const stk_aws_op *o, stk_strbuf *body, const char *prefix, json_t *shape, json_t *ref,
                      json_t *v)
{
    const char *t = stk_aws_shape_type(shape);
    if (json_is_null(v)) return;
    if (strcmp(t, "structure") == 0) {
        json_t *members = json_object_get(shape, "members");
        const char *key;
        json_t *val;
        json_object_foreach(v, key, val) {
            json_t *mref = json_object_get(members, key);
            if (!mref) continue;
            const char *name = stk_aws_member_wire_name(key, mref);
            char *p = *prefix ? stk_xasprintf("%s.%s", prefix, name) : stk_xstrdup(name);
            serialize(o, body, p, stk_aws_model_ref_shape(o->m, mref), mref, val);
            free(p);
        }
    } else if (strcmp(t, "list") == 0) {
        json_t *lref = json_object_get(shape, "member");
        json_t *lshape = stk_aws_model_ref_shape(o->m, lref);
        if (json_array_size(v) == 0) {
            add_pair(body, prefix, "");
            return;
        }
        char *lp;
        const char *mname = stk_aws_json_str(lref, "locationName");
        if (stk_aws_json_true(shape, "flattened") || stk_aws_json_true(ref, "flattened")) {
            const char *dot = strrchr(prefix, '.');
            if (mname && dot) lp = stk_xasprintf("%.*s.%s", (int)(dot - prefix), prefix, mname);
            else if (mname) lp = stk_xstrdup(mname);
            else lp = stk_xstrdup(prefix);
        } else {
            lp = stk_xasprintf("%s.%s", prefix, mname ? mname : "member");
        }
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item) {
            char *ip = stk_xasprintf("%s.%zu", lp, i + 1);
            serialize(o, body, ip, lshape, lref, item);
            free(ip);
        }
        free(lp);
    } else if (strcmp(t, "map") == 0) {
        json_t *kref = json_object_get(shape, "key"), *vref = json_object_get(shape, "value");
        const char *kn = stk_aws_json_str(kref, "locationName"), *vn = stk_aws_json_str(vref, "locationName");
        int flat = stk_aws_json_true(shape, "flattened") || stk_aws_json_true(ref, "flattened");
        const char *key;
        json_t *val;
        size_t i = 0;
        json_object_foreach(v, key, val) {
            i++;
            char *kp = stk_xasprintf("%s%s.%zu.%s", prefix, flat ? "" : ".entry", i, kn ? kn : "key");
            char *vp = stk_xasprintf("%s%s.%zu.%s", prefix, flat ? "" : ".entry", i, vn ? vn : "value");
            add_pair(body, kp, key);
            serialize(o, body, vp, stk_aws_model_ref_shape(o->m, vref), vref, val);
            free(kp);
            free(vp);
        }
    } else {
        char *text = stk_aws_scalar_text(shape, ref, v, "iso8601");
        add_pair(body, prefix, text);
        free(text);
    }
}

int stk_aws_query_serialize(const stk_aws_op *o, json_t *params, int ec2, stk_aws_request *req, stk_diags *d)
{
    stk_strbuf body = STK_STRBUF_INIT;
    stk_strbuf_puts(&body, "Action=");
    stk_aws_urlenc(&body, o->name, strlen(o->name), 0);
    stk_strbuf_puts(&body, "&Version=");
    const char *ver = stk_aws_model_meta(o->m, "apiVersion");
    stk_aws_urlenc(&body, ver, strlen(ver), 0);
    if (o->input && params) {
        if (ec2) stk_aws_ec2_serialize_value(o, &body, "", o->input, NULL, params);
        else serialize(o, &body, "", o->input, NULL, params);
    }
    req->method = "POST";
    req->path = stk_xstrdup("/");
    req->body_len = body.len;
    req->body = (unsigned char *)stk_strbuf_detach(&body);
    stk_aws_req_add_header(req, "Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
    return 0;
}

int stk_aws_query_parse(const stk_aws_op *o, const stk_aws_response *resp, int ec2, json_t **result,
                        stk_diags *d)
{
    json_t *r = json_object();
    char *reqid = NULL;
    if (resp->body_len > 0) {
        xmlDocPtr doc = stk_aws_xml_read(resp->body, resp->body_len);
        if (!doc) {
            stk_diags_error(d, NULL, "Malformed AWS response", "%s %s: the response body is not XML (HTTP %ld).",
                            o->service, o->name, resp->status);
            json_decref(r);
            return -1;
        }
        xmlNodePtr root = xmlDocGetRootElement(doc);
        xmlNodePtr node = root;
        const char *wrapper = stk_aws_json_str(o->output_ref, "resultWrapper");
        if (!ec2 && wrapper) node = stk_aws_xml_child(root, wrapper);
        if (node && o->output) stk_aws_xml_struct_members(o->m, node, o->output, r, 0);
        xmlNodePtr rid = ec2 ? stk_aws_xml_child(root, "requestId")
                             : stk_aws_xml_child(stk_aws_xml_child(root, "ResponseMetadata"), "RequestId");
        if (rid) reqid = stk_aws_xml_text(rid);
        xmlFreeDoc(doc);
    }
    const char *hid = stk_aws_header(resp, "x-amzn-requestid");
    stk_aws_set_response_metadata(r, reqid ? reqid : hid, resp->status);
    free(reqid);
    *result = r;
    return 0;
}

void stk_aws_query_parse_error(const stk_aws_response *resp, stk_aws_error *err)
{
    xmlDocPtr doc = stk_aws_xml_read(resp->body, resp->body_len);
    if (doc) {
        stk_aws_xml_error_fields(xmlDocGetRootElement(doc), err);
        xmlFreeDoc(doc);
    }
}
