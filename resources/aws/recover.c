/* aws/recover.c - crash recovery helpers for types found again by values
 * of their configuration (recover.h). */
#include "aws/recover.h"
#include <stdlib.h>
#include <string.h>

char *stk_aws_recover_info(stk_provider_instance *p, stk_value *planned, const char *token, const char *name,
                           const char *const *keys)
{
    json_t *o = json_object();
    if (token) json_object_set_new(o, "token", json_string(token));
    json_object_set_new(o, "tags", stk_aws_tags_all(p, planned));
    if (name) json_object_set_new(o, "name", json_string(name));
    json_t *seed = json_object();
    for (size_t i = 0; keys && keys[i]; i++) {
        json_t *v = stk_aws_get_json(planned, keys[i]);
        if (v && !json_is_null(v)) json_object_set_new(seed, keys[i], v);
        else json_decref(v);
    }
    json_object_set_new(o, "seed", seed);
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    return s;
}

json_t *stk_aws_recover_load(const char *info_json)
{
    json_t *o = json_loads(info_json ? info_json : "{}", 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        o = json_object();
    }
    return o;
}

const char *stk_aws_recover_seed_str(json_t *info, const char *key)
{
    return stk_aws_jstr(json_object_get(info, "seed"), key);
}

stk_value *stk_aws_recover_seed(const stk_resource_type *t, json_t *info, const char *id, stk_diags *d)
{
    json_t *seed = json_object_get(info, "seed");
    json_t *st = json_is_object(seed) ? json_deep_copy(seed) : json_object();
    if (!id) id = stk_aws_jstr(info, "id");
    if (id) json_object_set_new(st, "id", json_string(id));
    return stk_aws_state_build(t, st, d);
}

int stk_aws_recover_cannot(stk_diags *d, const stk_resource_type *t, const char *why)
{
    stk_diags_error(d, NULL, "Cannot recover",
                    "%s: %s, so stk cannot tell whether AWS made the object; look for it and import it if it exists, "
                    "or resolve the pending intent by hand.", t->name, why);
    return -1;
}

int stk_aws_recover_by_read(stk_provider_instance *p, const stk_resource_type *t, const char *info_json,
                            const char *id_key, const char *const *need, stk_value **state, stk_diags *d)
{
    *state = NULL;
    json_t *info = stk_aws_recover_load(info_json);
    const char *given = stk_aws_jstr(info, "id"), *id = given;
    if (!id && id_key) id = stk_aws_recover_seed_str(info, id_key);
    if (!id && id_key) id = stk_aws_jstr(info, id_key);
    stk_recover_note_found_by(given ? "its id" : id ? "its name" : "the values that identify it");
    int ok = need ? 1 : id != NULL;
    for (size_t i = 0; need && need[i]; i++)
        if (!json_object_get(json_object_get(info, "seed"), need[i])) ok = 0;
    if (!ok) {
        json_decref(info);
        return stk_aws_recover_cannot(d, t, "the interrupted operation recorded neither the object's id nor the "
                                            "values that identify it");
    }
    stk_value *seed = stk_aws_recover_seed(t, info, id, d);
    json_decref(info);
    if (!seed) return -1;
    int rc = t->read(p, t, seed, state, d);
    stk_value_unref(seed);
    return rc;
}
