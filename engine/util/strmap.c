/* strmap.c - open-addressing string hash map (see strmap.h). */
#include "util/strmap.h"
#include "util/strbuf.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

static size_t slot(const stk_strmap *m, const char *key)
{
    size_t mask = m->cap - 1, i = (size_t)hash(key) & mask;
    while (m->keys[i] && strcmp(m->keys[i], key) != 0) i = (i + 1) & mask;
    return i;
}

static void grow(stk_strmap *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 16;
    stk_strmap n = {stk_xcalloc(ncap, sizeof(char *)), stk_xcalloc(ncap, sizeof(void *)), ncap, 0};
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i]) {
            size_t s = slot(&n, m->keys[i]);
            n.keys[s] = m->keys[i];
            n.vals[s] = m->vals[i];
            n.len++;
        }
    free(m->keys);
    free(m->vals);
    *m = n;
}

static void *insert(stk_strmap *m, const char *key, void *val, int replace)
{
    if ((m->len + 1) * 4 > m->cap * 3) grow(m);
    size_t s = slot(m, key);
    if (m->keys[s]) {
        void *old = m->vals[s];
        if (replace) m->vals[s] = val;
        return old;
    }
    m->keys[s] = key;
    m->vals[s] = val;
    m->len++;
    return NULL;
}

void *stk_strmap_put(stk_strmap *m, const char *key, void *val) { return insert(m, key, val, 1); }
void *stk_strmap_add(stk_strmap *m, const char *key, void *val) { return insert(m, key, val, 0); }

void *stk_strmap_get(const stk_strmap *m, const char *key)
{
    if (!m->cap) return NULL;
    size_t s = slot(m, key);
    return m->keys[s] ? m->vals[s] : NULL;
}

void stk_strmap_free(stk_strmap *m)
{
    free(m->keys);
    free(m->vals);
    m->keys = NULL;
    m->vals = NULL;
    m->cap = m->len = 0;
}
