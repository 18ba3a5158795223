/* addr.h - resource instance addresses as the state store keys them.
 *
 * A full instance address is
 *     [module.NAME[KEY].]... [data.]TYPE.NAME[KEY]
 * e.g. `module.net.module.sub.aws_subnet.public[0]`, `aws_s3_bucket.b["logs"]`,
 * `data.aws_ami.ubuntu`.  The state stores the canonical string (as printed
 * by stk_addr_format) plus its parts, so lookups are exact string matches and
 * filters (`stk state list module.net`) are done on the parts.
 *
 * The same parser reads filter addresses: a module path alone
 * (`module.net`, `module.app["a"]`), a resource without key (`aws_vpc.x`,
 * which means every instance of it) or a single instance (`aws_vpc.x[0]`).
 * A module step without key in a filter matches every instance of that
 * module.  Addresses never mention HCL: this is plain string syntax.
 *
 * Ownership: stk_addr owns all its strings; free with stk_addr_free.
 */
#ifndef STK_STATE_ADDR_H
#define STK_STATE_ADDR_H
#include <stddef.h>

typedef enum { STK_KEY_NONE = 0, STK_KEY_INT = 1, STK_KEY_STR = 2 } stk_key_kind;

typedef struct {
    stk_key_kind kind;
    long long i;     /* STK_KEY_INT */
    char *s;         /* STK_KEY_STR (owned) */
} stk_key;

typedef enum { STK_MODE_MANAGED = 0, STK_MODE_DATA = 1 } stk_mode;

typedef struct {
    char *name;
    stk_key key;
} stk_module_step;

typedef struct {
    stk_module_step *modules;
    size_t nmodules;
    int has_resource;         /* 0: a module path only */
    stk_mode mode;
    char *type, *name;
    stk_key key;              /* the instance key (NONE for a no-key instance) */
    int key_given;            /* the text had [KEY] after the resource name */
} stk_addr;

/* Parse s.  Returns 0, or -1 with *err set to a malloc'd message. */
int stk_addr_parse(const char *s, stk_addr *a, char **err);
/* Parse a module path only ("" is the root module). */
int stk_addr_parse_module(const char *s, stk_addr *a, char **err);
void stk_addr_free(stk_addr *a);

/* The canonical address string (malloc'd). */
char *stk_addr_format(const stk_addr *a);
/* The module part: "" for root, else "module.a[0].module.b" (malloc'd). */
char *stk_addr_module_string(const stk_addr *a);
/* "[0]", "[\"k\"]" or "" (malloc'd). */
char *stk_key_format(const stk_key *k);
/* Resource address (module + mode/type/name, no key) (malloc'd). */
char *stk_addr_resource_string(const stk_addr *a);

/* Does `filter` select the instance `inst`?  Module steps of the filter must
   be a prefix of the instance's (a step without key matches any key); when
   the filter names a resource, the modules must be equal and the resource
   identical; when the filter has a key (key_given), the instance key must
   equal it. */
int stk_addr_match(const stk_addr *filter, const stk_addr *inst);

int stk_key_equal(const stk_key *a, const stk_key *b);
void stk_key_copy(stk_key *dst, const stk_key *src);
void stk_key_free(stk_key *k);

#endif
