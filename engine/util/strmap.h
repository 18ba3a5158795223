/* strmap.h - a string-keyed hash map (open addressing, FNV-1a) used where
 * the configuration loader and the graph look names and addresses up, so
 * 10,000-resource configurations never pay quadratic lookups.
 *
 * Ownership: keys are NOT copied: the caller keeps them alive (they are
 * normally arena strings) for the life of the map.  Values are opaque
 * pointers the map never frees.
 */
#ifndef STK_STRMAP_H
#define STK_STRMAP_H
#include <stddef.h>

typedef struct {
    const char **keys;
    void **vals;
    size_t cap, len;     /* cap is 0 or a power of two */
} stk_strmap;

#define STK_STRMAP_INIT {0}

/* Insert or replace; returns the previous value or NULL. */
void *stk_strmap_put(stk_strmap *m, const char *key, void *val);
/* The value for key, or NULL. */
void *stk_strmap_get(const stk_strmap *m, const char *key);
/* Insert only when absent: returns NULL when inserted, else the existing value. */
void *stk_strmap_add(stk_strmap *m, const char *key, void *val);
void stk_strmap_free(stk_strmap *m);

#endif
