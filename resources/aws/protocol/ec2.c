/* ec2.c - the EC2 flavour of the Query protocol (serialization side; the
 * XML response side is query.c's with the ec2 flag).
 *
 * Differences from plain query: a member travels under its queryName, else
 * its locationName with the first letter capitalised, else its member name;
 * every list is flattened as Name.1, Name.2 (no ".member", nothing for an
 * empty list).  Responses put the result members right under the root
 * element, lists as <xSet><item>..</item></xSet>, and errors as
 * <Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/>.
 */
#include "aws/protocol/proto.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

const char *stk_aws_ec2_member_name(const char *key, json_t *ref, char *buf, size_t bufsz)
{
    const char *q = stk_aws_json_str(ref, "queryName");
    if (q) return q;
    const char *ln = stk_aws_json_str(ref, "locationName");
    if (!ln) return key;
    snprintf(buf, bufsz, "%s", ln);
    buf[0] = (char)toupper((unsigned char)buf[0]);
    return buf;
}

static void add_pair(stk_strbuf *body, const char *name, const char *value)
{
    stk_strbuf_putc(body, '&');
    stk_aws_formenc(body, name, strlen(name));
    stk_strbuf_putc(body, '=');
    stk_aws_formenc(body, value, strlen(value));
}

void stk_aws_ec2_serialize_value(const stk_aws_op *o, stk_strbuf *body, const char *prefix, json_t *shape,
                                 json_t *ref, json_t *v)
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
            char buf[256];
            const char *name = stk_aws_ec2_member_name(key, mref, buf, sizeof buf);
            char *p = *prefix ? stk_xasprintf("%s.%s", prefix, name) : stk_xstrdup(name);
            stk_aws_ec2_serialize_value(o, body, p, stk_aws_model_ref_shape(o->m, mref), mref, val);
            free(p);
        }
    } else if (strcmp(t, "list") == 0) {
        json_t *lref = json_object_get(shape, "member");
        json_t *lshape = stk_aws_model_ref_shape(o->m, lref);
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item) {
            char *ip = stk_xasprintf("%s.%zu", prefix, i + 1);
            stk_aws_ec2_serialize_value(o, body, ip, lshape, lref, item);
            free(ip);
        }
    } else if (strcmp(t, "map") == 0) {
        json_t *vref = json_object_get(shape, "value");
        const char *key;
        json_t *val;
        size_t i = 0;
        json_object_foreach(v, key, val) {
            i++;
            char *kp = stk_xasprintf("%s.%zu.Key", prefix, i);
            char *vp = stk_xasprintf("%s.%zu.Value", prefix, i);
            add_pair(body, kp, key);
            stk_aws_ec2_serialize_value(o, body, vp, stk_aws_model_ref_shape(o->m, vref), vref, val);
            free(kp);
            free(vp);
        }
    } else {
        char *text = stk_aws_scalar_text(shape, ref, v, "iso8601");
        add_pair(body, prefix, text);
        free(text);
    }
}
