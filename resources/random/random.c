/* random/random.c - the built-in "random" provider (hashicorp/random's
 * names and behaviour): random_id, random_string and random_password.
 * Nothing leaves the machine: values come from OpenSSL's RAND_bytes and
 * are stored in state; read keeps them; every argument forces a new value
 * (keepers included), so there is no update.
 *
 * random_id: byte_length random bytes as b64_url (id, unpadded URL-safe
 * base64), b64_std (padded), hex and dec (the bytes as one big-endian
 * number); `prefix` is prepended to all but id.  Import id: the b64_url
 * text, optionally "prefix,b64_url".
 * random_string / random_password: `length` characters, at least min_lower
 * / min_upper / min_numeric / min_special of each class, the rest from all
 * enabled classes, shuffled; special characters are !@#$%&*()-_=+[]{}<>:?
 * unless override_special says otherwise.  random_password's result is
 * sensitive.  Import id: the result itself.
 * Not supported yet: random_password's bcrypt_hash (stays null: OpenSSL
 * has no bcrypt), random_integer.
 *
 * The provider factory "random" is registered at start-up (a constructor,
 * as the aws provider does); its instances carry nothing.
 */
#include "provider.h"
#include "aws/aws_provider.h"
#include "aws/aws_types.h"
#include "aws/common.h"
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

/* ---- the provider ---- */

static int random_configure(const char *name, stk_value *config, stk_provider_instance **out, stk_diags *d)
{
    (void)name;
    (void)config;
    (void)d;
    *out = stk_xcalloc(1, sizeof **out);   /* the random provider has no settings */
    return 0;
}

static void random_free(stk_provider_instance *p) { free(p); }

static const stk_provider_factory random_factory = {"random", random_configure, random_free};

__attribute__((constructor)) static void random_register(void) { stk_provider_factory_register(&random_factory); }

/* A uniform random number in [0, n) (rejection sampling over RAND_bytes);
   -1 when the generator fails. */
static long uniform(unsigned n, stk_diags *d)
{
    unsigned limit = 0xffffffffu - (0xffffffffu % n);
    for (;;) {
        unsigned r;
        if (RAND_bytes((unsigned char *)&r, sizeof r) != 1) {
            stk_diags_error(d, NULL, "Random generator failed", "OpenSSL's RAND_bytes could not produce random bytes.");
            return -1;
        }
        if (r < limit) return (long)(r % n);
    }
}

static int no_update_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                          stk_diags *d)
{
    (void)p;
    (void)t;
    (void)d;
    *new_state = prior ? stk_value_ref(prior) : NULL;
    return 0;
}

static int no_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    (void)p;
    (void)t;
    (void)prior;
    (void)d;
    return 0;   /* nothing exists outside the state */
}

/* ---- random_id ---- */

static const stk_schema_attr id_attrs[] = {
    {"b64_std", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"b64_url", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"byte_length", "number", STK_ATTR_REQUIRED | STK_ATTR_FORCE_NEW, NULL, "number of random bytes", NULL},
    {"dec", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"hex", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"keepers", "map(string)", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, NULL, "a change makes a new id", NULL},
    {"prefix", "string", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
};
static const stk_schema id_schema = {id_attrs, STK_AWS_NATTRS(id_attrs), NULL, 0};

/* the state of random_id from its bytes */
static int id_state(const stk_resource_type *t, stk_value *base, const unsigned char *b, size_t n, stk_value **out,
                    stk_diags *d)
{
    const char *prefix = stk_aws_get_str(base, "prefix");
    if (!prefix) prefix = "";
    char *std = stk_xmalloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)std, b, (int)n);
    char *url = stk_xstrdup(std);
    size_t k = 0;
    for (size_t i = 0; url[i]; i++) {
        if (url[i] == '=') continue;
        url[k++] = url[i] == '+' ? '-' : url[i] == '/' ? '_' : url[i];
    }
    url[k] = 0;
    char *hex = stk_xmalloc(2 * n + 1);
    for (size_t i = 0; i < n; i++) snprintf(hex + 2 * i, 3, "%02x", b[i]);
    hex[2 * n] = 0;
    BIGNUM *bn = BN_bin2bn(b, (int)n, NULL);
    char *dec = bn ? BN_bn2dec(bn) : NULL;
    json_t *st = stk_aws_state_start(base);
    json_object_set_new(st, "id", json_string(url));
    json_object_set_new(st, "b64_url", json_sprintf("%s%s", prefix, url));
    json_object_set_new(st, "b64_std", json_sprintf("%s%s", prefix, std));
    json_object_set_new(st, "hex", json_sprintf("%s%s", prefix, hex));
    json_object_set_new(st, "dec", json_sprintf("%s%s", prefix, dec ? dec : "0"));
    json_object_set_new(st, "byte_length", json_integer((json_int_t)n));
    OPENSSL_free(dec);
    BN_free(bn);
    free(std);
    free(url);
    free(hex);
    *out = stk_aws_state_build(t, st, d);
    return *out ? 0 : -1;
}

static int id_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                     stk_diags *d)
{
    (void)p;
    *new_state = NULL;
    long long n = stk_aws_get_int(planned, "byte_length", 0);
    if (n < 1 || n > 1024) {
        stk_diags_error(d, NULL, "Invalid byte_length", "random_id: byte_length must be between 1 and 1024, got %lld.", n);
        return -1;
    }
    unsigned char *b = stk_xmalloc((size_t)n);
    if (RAND_bytes(b, (int)n) != 1) {
        free(b);
        stk_diags_error(d, NULL, "Random generator failed", "OpenSSL's RAND_bytes could not produce random bytes.");
        return -1;
    }
    int rc = id_state(t, planned, b, (size_t)n, new_state, d);
    free(b);
    return rc;
}

static int id_import(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value **state,
                     stk_diags *d)
{
    (void)p;
    *state = NULL;
    const char *comma = strrchr(id, ',');
    char *prefix = comma ? stk_xasprintf("%.*s", (int)(comma - id), id) : NULL;
    const char *b64 = comma ? comma + 1 : id;
    /* URL-safe, unpadded -> standard, padded */
    size_t n = strlen(b64);
    char *std = stk_xmalloc(n + 4);
    for (size_t i = 0; i < n; i++) std[i] = b64[i] == '-' ? '+' : b64[i] == '_' ? '/' : b64[i];
    size_t m = n;
    while (m % 4) std[m++] = '=';
    std[m] = 0;
    unsigned char *bytes = stk_xmalloc(m + 1);
    int len = EVP_DecodeBlock(bytes, (unsigned char *)std, (int)m);
    int rc = -1;
    if (len < 0 || n == 0) {
        stk_diags_error(d, NULL, "Invalid import id", "random_id: \"%s\" is not URL-safe base64 (with an optional \"prefix,\").", id);
    } else {
        len -= (int)(m - n);   /* padding decodes to zero bytes */
        json_t *base = prefix ? json_pack("{s:s}", "prefix", prefix) : json_object();
        stk_value *bv = stk_aws_state_build(t, base, d);
        if (bv) rc = id_state(t, bv, bytes, (size_t)len, state, d);
        if (bv) stk_value_unref(bv);
    }
    free(bytes);
    free(std);
    free(prefix);
    return rc;
}

/* Crash recovery: the value of an interrupted create lived only in the
   killed process (nothing outside holds it), so there is nothing to find:
   the intent is dropped and the next apply makes a new value. */
static int random_recover(stk_provider_instance *p, const stk_resource_type *t, const char *info_json,
                          stk_value **state, stk_diags *d)
{
    (void)p;
    (void)t;
    (void)info_json;
    (void)d;
    *state = NULL;
    return 0;
}

const stk_resource_type stk_random_id_type = {
    "random_id", "random", STK_RESOURCE_MANAGED, &id_schema, id_create, no_update_read, NULL, no_delete, id_import,
    NULL, NULL, random_recover,
};

/* ---- random_string / random_password ---- */

#define STR_ATTRS(result_flags)                                                                             \
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},                                                   \
    {"keepers", "map(string)", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, NULL, "a change makes a new value", NULL}, \
    {"length", "number", STK_ATTR_REQUIRED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},                          \
    {"lower", "bool", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, "true", NULL, NULL},                           \
    {"min_lower", "number", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, "0", NULL, NULL},                        \
    {"min_numeric", "number", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, "0", NULL, NULL},                      \
    {"min_special", "number", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, "0", NULL, NULL},                      \
    {"min_upper", "number", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, "0", NULL, NULL},                        \
    {"number", "bool", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW | STK_ATTR_DEPRECATED, "true", "use numeric", NULL}, \
    {"numeric", "bool", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, "true", NULL, NULL},                         \
    {"override_special", "string", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},                \
    {"result", "string", (result_flags), NULL, NULL, NULL},                                                  \
    {"special", "bool", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, "true", NULL, NULL},                         \
    {"upper", "bool", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, "true", NULL, NULL}

static const stk_schema_attr string_attrs[] = {STR_ATTRS(STK_ATTR_COMPUTED)};
static const stk_schema string_schema = {string_attrs, STK_AWS_NATTRS(string_attrs), NULL, 0};
static const stk_schema_attr password_attrs[] = {
    {"bcrypt_hash", "string", STK_ATTR_COMPUTED | STK_ATTR_SENSITIVE, NULL, "not computed by stk yet", NULL},
    STR_ATTRS(STK_ATTR_COMPUTED | STK_ATTR_SENSITIVE),
};
static const stk_schema password_schema = {password_attrs, STK_AWS_NATTRS(password_attrs), NULL, 0};

static const char LOWER[] = "abcdefghijklmnopqrstuvwxyz", UPPER[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                  DIGITS[] = "0123456789", SPECIAL[] = "!@#$%&*()-_=+[]{}<>:?";

/* The random text for a configuration (malloc'd), or NULL + diagnostic. */
char *stk_random_string_generate(stk_value *cfg, const char *type_name, stk_diags *d);
char *stk_random_string_generate(stk_value *cfg, const char *type_name, stk_diags *d)
{
    long long len = stk_aws_get_int(cfg, "length", 0);
    int lower = stk_aws_get_bool(cfg, "lower", 1), upper = stk_aws_get_bool(cfg, "upper", 1),
        special = stk_aws_get_bool(cfg, "special", 1);
    int numeric = stk_aws_get_bool(cfg, "numeric", 1) && stk_aws_get_bool(cfg, "number", 1);
    const char *ov = stk_aws_get_str(cfg, "override_special");
    const char *sets[4] = {lower ? LOWER : "", upper ? UPPER : "", numeric ? DIGITS : "", special ? (ov ? ov : SPECIAL) : ""};
    long long mins[4] = {stk_aws_get_int(cfg, "min_lower", 0), stk_aws_get_int(cfg, "min_upper", 0),
                         stk_aws_get_int(cfg, "min_numeric", 0), stk_aws_get_int(cfg, "min_special", 0)};
    long long need = 0;
    for (int i = 0; i < 4; i++) {
        if (mins[i] < 0) mins[i] = 0;
        if (mins[i] > 0 && !*sets[i]) {
            stk_diags_error(d, NULL, "Invalid arguments", "%s: a min_* count is set for a character class that is disabled.",
                            type_name);
            return NULL;
        }
        need += mins[i];
    }
    if (len < 1 || len > 65536 || need > len) {
        stk_diags_error(d, NULL, "Invalid length",
                        "%s: length must be at least 1 and at least the sum of the min_* counts (%lld), got %lld.",
                        type_name, need, len);
        return NULL;
    }
    char all[256] = "";
    for (int i = 0; i < 4; i++) strncat(all, sets[i], sizeof all - strlen(all) - 1);
    if (!*all) {
        stk_diags_error(d, NULL, "Invalid arguments", "%s: every character class is disabled.", type_name);
        return NULL;
    }
    char *out = stk_xmalloc((size_t)len + 1);
    size_t k = 0;
    for (int i = 0; i < 4; i++)
        for (long long j = 0; j < mins[i]; j++) {
            long r = uniform((unsigned)strlen(sets[i]), d);
            if (r < 0) goto fail;
            out[k++] = sets[i][r];
        }
    while ((long long)k < len) {
        long r = uniform((unsigned)strlen(all), d);
        if (r < 0) goto fail;
        out[k++] = all[r];
    }
    out[k] = 0;
    for (size_t i = k; i > 1; i--) {   /* Fisher-Yates */
        long r = uniform((unsigned)i, d);
        if (r < 0) goto fail;
        char c = out[i - 1];
        out[i - 1] = out[r];
        out[r] = c;
    }
    return out;
fail:
    free(out);
    return NULL;
}

/* state: the configuration with result (and id) set; defaults filled */
static int str_state(const stk_resource_type *t, stk_value *base, const char *result, stk_value **out, stk_diags *d)
{
    json_t *st = stk_aws_state_start(base);
    int password = !strcmp(t->name, "random_password");
    json_object_set_new(st, "result", json_string(result));
    json_object_set_new(st, "id", json_string(password ? "none" : result));
    static const char *const bools[] = {"lower", "upper", "numeric", "number", "special"};
    for (size_t i = 0; i < 5; i++)
        if (!json_is_boolean(json_object_get(st, bools[i]))) json_object_set_new(st, bools[i], json_true());
    static const char *const mins[] = {"min_lower", "min_upper", "min_numeric", "min_special"};
    for (size_t i = 0; i < 4; i++)
        if (!json_is_integer(json_object_get(st, mins[i]))) json_object_set_new(st, mins[i], json_integer(0));
    if (!json_is_integer(json_object_get(st, "length")))
        json_object_set_new(st, "length", json_integer((json_int_t)strlen(result)));
    *out = stk_aws_state_build(t, st, d);
    if (*out && password) {
        /* the schema marks result sensitive: so does the value in state */
        stk_value *obj = *out;
        size_t n = obj->u.coll.n;
        char **keys = stk_xcalloc(n + 1, sizeof *keys);
        stk_value **vals = stk_xcalloc(n + 1, sizeof *vals);
        for (size_t i = 0; i < n; i++) {
            keys[i] = obj->u.coll.keys[i];
            vals[i] = stk_value_ref(obj->u.coll.items[i]);
            if (!strcmp(keys[i], "result") || !strcmp(keys[i], "bcrypt_hash"))
                vals[i] = stk_value_mark(vals[i], STK_MARK_SENSITIVE);
        }
        *out = stk_value_object(keys, vals, n);
        free(keys);
        free(vals);
        stk_value_unref(obj);
    }
    return *out ? 0 : -1;
}

static int str_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                      stk_diags *d)
{
    (void)p;
    *new_state = NULL;
    char *s = stk_random_string_generate(planned, t->name, d);
    if (!s) return -1;
    int rc = str_state(t, planned, s, new_state, d);
    OPENSSL_cleanse(s, strlen(s));
    free(s);
    return rc;
}

static int str_import(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value **state,
                      stk_diags *d)
{
    (void)p;
    *state = NULL;
    if (!*id) {
        stk_diags_error(d, NULL, "Invalid import id", "%s: the import id is the value itself and may not be empty.", t->name);
        return -1;
    }
    stk_value *base = stk_aws_state_build(t, json_object(), d);
    if (!base) return -1;
    int rc = str_state(t, base, id, state, d);
    stk_value_unref(base);
    return rc;
}

const stk_resource_type stk_random_string_type = {
    "random_string", "random", STK_RESOURCE_MANAGED, &string_schema, str_create, no_update_read, NULL, no_delete,
    str_import, NULL, NULL, random_recover,
};
const stk_resource_type stk_random_password_type = {
    "random_password", "random", STK_RESOURCE_MANAGED, &password_schema, str_create, no_update_read, NULL, no_delete,
    str_import, NULL, NULL, random_recover,
};
