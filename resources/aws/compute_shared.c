/* aws/compute_shared.c - helpers of the compute and load-balancing resource
 * files (compute_shared.h). */
#include "aws/compute_shared.h"
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

char *stk_aws_cmp_name(stk_value *planned, size_t max_len)
{
    return stk_aws_cmp_name_token(planned, max_len, stk_aws_idempotency_token());
}

char *stk_aws_cmp_name_token(stk_value *planned, size_t max_len, const char *tok)
{
    const char *name = stk_aws_get_str(planned, "name");
    if (name && *name) return stk_xstrdup(name);
    const char *prefix = stk_aws_get_str(planned, "name_prefix");
    if (!prefix) prefix = "terraform-";
    char digits[27];
    if (tok && *tok) {
        unsigned char h[SHA_DIGEST_LENGTH];
        SHA1((const unsigned char *)tok, strlen(tok), h);
        for (int i = 0; i < 26; i++) digits[i] = (char)('0' + h[i % SHA_DIGEST_LENGTH] % 10);
        digits[26] = 0;
    } else {
        static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
        static unsigned counter;
        pthread_mutex_lock(&mu);
        unsigned c = ++counter;
        pthread_mutex_unlock(&mu);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        char buf[96];
        int n = snprintf(buf, sizeof buf, "%04d%02d%02d%02d%02d%02d%09ld%03u", tm.tm_year + 1900, tm.tm_mon + 1,
                         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec % 1000000000L, c % 1000);
        memcpy(digits, buf + (n > 26 ? n - 26 : 0), 26);   /* 26 digits, as the provider's ids have */
        digits[26] = 0;
    }
    size_t pl = strlen(prefix), dl = 26;
    if (max_len && pl + dl > max_len) dl = max_len > pl ? max_len - pl : 0;
    /* keep the most varying (last) digits when cut */
    return stk_xasprintf("%s%s", prefix, digits + (26 - dl));
}

json_t *stk_aws_elbv2_tags(stk_provider_instance *p, const char *arn, stk_diags *d)
{
    json_t *kept = NULL;
    if (stk_aws_batch_get(p, "elbv2:DescribeTags", arn, &kept) && kept) {   /* refresh: stk_aws_elbv2_tags_batch */
        json_t *m = stk_aws_tags_from_list(json_object_get(kept, "Tags"));
        json_decref(kept);
        return m;
    }
    json_t *params = json_pack("{s:[s]}", "ResourceArns", arn), *res = NULL;
    int rc = stk_aws_call(p->client, "elbv2", "DescribeTags", params, &res, d);
    json_decref(params);
    if (rc != 0) return NULL;
    json_t *td = json_array_get(json_object_get(res, "TagDescriptions"), 0);
    json_t *m = stk_aws_tags_from_list(json_object_get(td, "Tags"));
    json_decref(res);
    return m;
}

int stk_aws_elbv2_update_tags(stk_provider_instance *p, const char *arn, json_t *old_map, json_t *new_map,
                              stk_diags *d)
{
    json_t *removed = NULL, *changed = NULL, *res = NULL;
    stk_aws_tags_diff(old_map, new_map, &removed, &changed);
    int rc = 0;
    if (json_object_size(removed)) {
        json_t *keys = json_array();
        const char *k;
        json_t *v;
        json_object_foreach(removed, k, v) json_array_append_new(keys, json_string(k));
        json_t *params = json_pack("{s:[s],s:o}", "ResourceArns", arn, "TagKeys", keys);
        rc = stk_aws_call(p->client, "elbv2", "RemoveTags", params, &res, d);
        json_decref(params);
        json_decref(res);
        res = NULL;
    }
    if (rc == 0 && json_object_size(changed)) {
        json_t *params = json_pack("{s:[s],s:o}", "ResourceArns", arn, "Tags", stk_aws_tags_to_list(changed));
        rc = stk_aws_call(p->client, "elbv2", "AddTags", params, &res, d);
        json_decref(params);
        json_decref(res);
    }
    json_decref(removed);
    json_decref(changed);
    return rc;
}

json_t *stk_aws_kv_to_map(json_t *list)
{
    json_t *m = json_object(), *e;
    size_t i;
    json_array_foreach(list, i, e) {
        const char *k = stk_aws_jstr(e, "Key"), *v = stk_aws_jstr(e, "Value");
        if (k) json_object_set_new(m, k, v ? json_string(v) : json_null());
    }
    return m;
}
