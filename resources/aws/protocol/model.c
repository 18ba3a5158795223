/* model.c - lazy, thread-safe loading of the embedded AWS API models.
 *
 * Each service's JSON is parsed on first use under one mutex and kept in a
 * static table for the life of the process (the models are immutable data,
 * so borrowed pointers into them are safe from any thread afterwards).
 */
#include "aws/protocol/model.h"
#include "util/strbuf.h"
#include <pthread.h>
#include <string.h>

struct stk_aws_model {
    const char *name;
    json_t *root, *meta, *ops, *shapes, *paginators, *waiters;
};

#define MAX_MODELS 32
static pthread_mutex_t models_lock = PTHREAD_MUTEX_INITIALIZER;
static struct stk_aws_model models[MAX_MODELS];
static int models_loaded[MAX_MODELS];
static char service_list[512];

static json_t *obj_or_empty(json_t *root, const char *key)
{
    json_t *v = json_object_get(root, key);
    return json_is_object(v) ? v : NULL;
}

const char *stk_aws_model_service_list(void)
{
    pthread_mutex_lock(&models_lock);
    if (!service_list[0]) {
        size_t n = 0;
        for (int i = 0; stk_aws_embedded_models[i].name && i < MAX_MODELS; i++)
            n += (size_t)snprintf(service_list + n, sizeof service_list - n, "%s%s", i ? ", " : "",
                                  stk_aws_embedded_models[i].name);
    }
    pthread_mutex_unlock(&models_lock);
    return service_list;
}

const stk_aws_model *stk_aws_model_get(const char *service, stk_diags *d)
{
    if (service && strcmp(service, "cloudwatch") == 0) service = "monitoring";
    int idx = -1;
    for (int i = 0; service && stk_aws_embedded_models[i].name && i < MAX_MODELS; i++)
        if (strcmp(stk_aws_embedded_models[i].name, service) == 0) idx = i;
    if (idx < 0) {
        stk_diags_error(d, NULL, "Unknown AWS service", "\"%s\" is not a service stk has a model for (%s).",
                        service ? service : "(null)", stk_aws_model_service_list());
        return NULL;
    }
    pthread_mutex_lock(&models_lock);
    struct stk_aws_model *m = &models[idx];
    if (!models_loaded[idx]) {
        json_error_t err;
        const stk_aws_embedded_model *e = &stk_aws_embedded_models[idx];
        json_t *root = json_loadb(e->data, e->len, 0, &err);
        if (!root || !json_is_object(json_object_get(root, "metadata"))) {
            pthread_mutex_unlock(&models_lock);
            stk_diags_error(d, NULL, "Embedded AWS model is corrupt", "%s model: %s at line %d", service,
                            root ? "no metadata" : err.text, err.line);
            json_decref(root);
            return NULL;
        }
        m->name = e->name;
        m->root = root;
        m->meta = json_object_get(root, "metadata");
        m->ops = obj_or_empty(root, "operations");
        m->shapes = obj_or_empty(root, "shapes");
        m->paginators = obj_or_empty(root, "paginators");
        m->waiters = obj_or_empty(root, "waiters");
        models_loaded[idx] = 1;
    }
    pthread_mutex_unlock(&models_lock);
    return m;
}

const char *stk_aws_model_name(const stk_aws_model *m) { return m->name; }
const char *stk_aws_model_meta(const stk_aws_model *m, const char *key)
{
    return json_string_value(json_object_get(m->meta, key));
}
const char *stk_aws_model_protocol(const stk_aws_model *m) { return stk_aws_model_meta(m, "protocol"); }
const char *stk_aws_model_signing_name(const stk_aws_model *m)
{
    const char *s = stk_aws_model_meta(m, "signingName");
    return s ? s : stk_aws_model_meta(m, "endpointPrefix");
}
json_t *stk_aws_model_operation(const stk_aws_model *m, const char *op)
{
    return op ? json_object_get(m->ops, op) : NULL;
}
json_t *stk_aws_model_shape(const stk_aws_model *m, const char *name)
{
    return name ? json_object_get(m->shapes, name) : NULL;
}
json_t *stk_aws_model_operations(const stk_aws_model *m) { return m->ops; }
json_t *stk_aws_model_paginator(const stk_aws_model *m, const char *op)
{
    return op && m->paginators ? json_object_get(m->paginators, op) : NULL;
}
json_t *stk_aws_model_waiter(const stk_aws_model *m, const char *name)
{
    return name && m->waiters ? json_object_get(m->waiters, name) : NULL;
}
json_t *stk_aws_model_waiters(const stk_aws_model *m) { return m->waiters; }

json_t *stk_aws_model_ref_shape(const stk_aws_model *m, json_t *ref)
{
    return stk_aws_model_shape(m, json_string_value(json_object_get(ref, "shape")));
}
const char *stk_aws_shape_type(json_t *shape)
{
    const char *t = json_string_value(json_object_get(shape, "type"));
    return t ? t : "";
}
const char *stk_aws_json_str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}
int stk_aws_json_true(json_t *obj, const char *key)
{
    return json_is_true(json_object_get(obj, key));
}
