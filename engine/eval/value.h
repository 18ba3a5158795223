/* value.h - the one value model of stk (after HCL's cty).
 *
 * Every value has a type and is either null, unknown (known only after
 * apply) or known.  Any value may carry the sensitive mark, which
 * propagates through every operation that reads it.
 *
 * Types: dynamic ("any"), string, number, bool, list(T), set(T), map(T),
 * object({...}) and tuple([...]).  Numbers are an exact int64 when integral
 * and in range, otherwise a double; they print as Terraform prints them.
 * Map and object keys are kept sorted (byte order), set elements sorted by
 * the canonical order of stk_value_compare and de-duplicated.
 *
 * Ownership: values and types are immutable and reference counted (atomic
 * counts, so they may be shared across the apply walker's threads).
 * Functions named *_new / constructors return a new reference the caller
 * owns; constructors that take arrays of stk_value* take over the
 * references in them (and free nothing else: the array itself stays the
 * caller's).  Accessors (stk_value_get, stk_value_elem, ...) return borrowed
 * references valid while the container lives.
 */
#ifndef STK_VALUE_H
#define STK_VALUE_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

typedef enum {
    STK_TY_DYNAMIC,   /* "any": the type of untyped null/unknown and of constraint `any` */
    STK_TY_STRING,
    STK_TY_NUMBER,
    STK_TY_BOOL,
    STK_TY_LIST,
    STK_TY_SET,
    STK_TY_MAP,
    STK_TY_OBJECT,
    STK_TY_TUPLE
} stk_type_kind;

typedef struct stk_value stk_value;
typedef struct stk_type stk_type;

struct stk_type {
    stk_type_kind kind;
    int refcnt;                 /* < 0 for the static primitive singletons */
    stk_type *elem;             /* LIST, SET, MAP */
    size_t n;                   /* OBJECT attributes / TUPLE elements */
    char **names;               /* OBJECT: sorted attribute names */
    stk_type **types;           /* OBJECT attribute types / TUPLE element types */
    unsigned char *optional;    /* OBJECT type constraints: optional(...) flags, or NULL */
    stk_value **defaults;       /* OBJECT type constraints: optional defaults (NULL entries), or NULL */
};

/* primitive singletons (never freed) */
extern stk_type stk_type_dynamic, stk_type_string, stk_type_number, stk_type_bool;
#define STK_DYNAMIC (&stk_type_dynamic)
#define STK_STRING  (&stk_type_string)
#define STK_NUMBER  (&stk_type_number)
#define STK_BOOL    (&stk_type_bool)

stk_type *stk_type_list(stk_type *elem);         /* these take over the elem reference */
stk_type *stk_type_set(stk_type *elem);
stk_type *stk_type_map(stk_type *elem);
/* names are copied; types' references are taken over; optional/defaults may be NULL */
stk_type *stk_type_object(char **names, stk_type **types, size_t n,
                          const unsigned char *optional, stk_value **defaults);
stk_type *stk_type_tuple(stk_type **types, size_t n);
stk_type *stk_type_ref(stk_type *t);
void stk_type_unref(stk_type *t);
int stk_type_equal(const stk_type *a, const stk_type *b);
int stk_type_is_collection(const stk_type *t);   /* list, set, map */
int stk_type_has_dynamic(const stk_type *t);      /* contains `any` anywhere */
char *stk_type_to_string(const stk_type *t);      /* "list(string)", "object({a=number})"; caller frees */
stk_type *stk_type_attr(const stk_type *t, const char *name);  /* OBJECT attribute type (borrowed) or NULL */

enum { STK_MARK_SENSITIVE = 1 };

struct stk_value {
    int refcnt;
    stk_type *type;              /* never NULL */
    unsigned char is_null;
    unsigned char is_unknown;
    unsigned char marks;         /* STK_MARK_* */
    unsigned char is_int;        /* NUMBER: u.num.i is exact */
    union {
        int b;                                   /* BOOL */
        struct { int64_t i; double d; } num;      /* NUMBER: d always set, i when is_int */
        struct { char *s; size_t len; } str;      /* STRING, UTF-8, NUL-terminated */
        struct {
            stk_value **items;   /* LIST, SET, TUPLE elements; MAP, OBJECT values */
            char **keys;         /* MAP, OBJECT: sorted keys parallel to items */
            size_t n;
        } coll;
    } u;
};

/* --- constructors --- */
stk_value *stk_value_null(stk_type *t);          /* t borrowed (ref taken); NULL means dynamic */
stk_value *stk_value_unknown(stk_type *t);
stk_value *stk_value_bool(int b);
stk_value *stk_value_int(int64_t i);
stk_value *stk_value_number(double d);           /* integral values in range become is_int */
/* Parse an HCL/JSON number literal ("1", "1.5", "1e3", "0x" not allowed).
   Returns NULL when s is not a number. */
stk_value *stk_value_number_parse(const char *s);
stk_value *stk_value_string(const char *s);
stk_value *stk_value_stringn(const char *s, size_t n);
stk_value *stk_value_string_take(char *s);       /* takes a malloc'd string */
stk_value *stk_value_tuple(stk_value **items, size_t n);
stk_value *stk_value_list(stk_type *elem, stk_value **items, size_t n);   /* elem borrowed; items converted by caller */
stk_value *stk_value_set(stk_type *elem, stk_value **items, size_t n);    /* sorts, de-duplicates */
stk_value *stk_value_object(char **keys, stk_value **vals, size_t n);     /* keys copied; duplicate keys: last wins */
stk_value *stk_value_map(stk_type *elem, char **keys, stk_value **vals, size_t n);
stk_value *stk_value_empty_tuple(void);
stk_value *stk_value_empty_object(void);

stk_value *stk_value_ref(stk_value *v);
void stk_value_unref(stk_value *v);

/* --- marks --- */
stk_value *stk_value_mark(stk_value *v, unsigned marks);  /* consumes v, returns v with marks added */
unsigned stk_value_marks_deep(const stk_value *v);        /* union of marks of v and everything inside */
stk_value *stk_value_unmark_deep(stk_value *v, unsigned *marks_out); /* consumes v */

/* --- inspection --- */
static inline stk_type_kind stk_value_kind(const stk_value *v) { return v->type->kind; }
int stk_value_is_known_deep(const stk_value *v);  /* no unknown anywhere inside */
int stk_value_is_true(const stk_value *v);        /* known non-null bool true */
size_t stk_value_len(const stk_value *v);          /* elements / attributes / string characters (grapheme clusters, as Terraform's length()) */
stk_value *stk_value_elem(const stk_value *v, size_t i);          /* borrowed */
stk_value *stk_value_get(const stk_value *v, const char *key);    /* MAP/OBJECT lookup, borrowed, NULL if absent */
const char *stk_value_key(const stk_value *v, size_t i);          /* MAP/OBJECT i-th key */
const char *stk_value_str(const stk_value *v);                    /* STRING payload */

/* Equality as HCL's == : unknown operands give an unknown bool, else a known bool. */
stk_value *stk_value_equals(const stk_value *a, const stk_value *b);
/* Structural identity of two values (types, marks ignored for numbers equal by value): 1/0 */
int stk_value_raw_equal(const stk_value *a, const stk_value *b);
/* A total order used for sets and sort(): by type kind, then contents. */
int stk_value_compare(const stk_value *a, const stk_value *b);

/* --- conversion (Terraform's rules) ---
 * Returns a new value of type `want` (a type constraint: may contain `any`
 * and optional attributes), or NULL with *err set to a malloc'd message in
 * Terraform's words, e.g. "a number is required". */
stk_value *stk_value_convert(stk_value *v, stk_type *want, char **err);
/* The type both a and b convert to without loss, or NULL (for conditionals,
 * list literals ...). */
stk_type *stk_type_unify(stk_type **types, size_t n);

/* --- rendering --- */
char *stk_value_to_hcl(const stk_value *v);      /* as `terraform console` prints; sensitive -> (sensitive value) */
char *stk_number_to_string(const stk_value *v);  /* "1", "1.5", 1e21 -> "1000000000000000000000" (see below) */
/* JSON: unknown -> error (returns NULL), null -> json null; sensitive marks dropped. */
json_t *stk_value_to_json(const stk_value *v);
/* From JSON: objects -> object, arrays -> tuple, numbers exact. */
stk_value *stk_value_from_json(const json_t *j);
/* From JSON of a known type (state attributes): arrays -> list/set, objects -> map/object. */
stk_value *stk_value_from_json_typed(const json_t *j, stk_type *t, char **err);
/* Type constraint JSON as Terraform writes it ("string", ["list","string"], ...) */
json_t *stk_type_to_json(const stk_type *t);
/* The reverse ("dynamic" is `any`); NULL when malformed.  (added by the value helper) */
stk_type *stk_type_from_json(const json_t *j);
/* cty's friendly names, malloc'd (added by the value helper):
   FriendlyName: "string", "list of string", "map of number", "object",
   "tuple", "dynamic"; ...ForConstraint (as error messages say it):
   "any type", "list of any single type", otherwise the same. */
char *stk_type_friendly_name(const stk_type *t);
char *stk_type_friendly_constraint(const stk_type *t);

/* --- printing conventions (stk_value_to_hcl, after terraform console) ---
 *   strings   "a\"b" with Go's strconv.Quote escapes; a string holding a
 *             newline prints as a heredoc <<EOT ... EOT (<<-EOT when nested,
 *             delimiter extended with _ while a line equals it)
 *   numbers   integers plainly; other numbers as the shortest decimal that
 *             round-trips, never with an exponent (Go's big.Float
 *             Text('f', -1), which Terraform uses): 1.5, 0.30000000000000004,
 *             1e21 -> 1000000000000000000000; integral values below 1e21
             print exactly (9223372036854775807 + 1 -> 9223372036854775808).
             stk_number_to_string,
 *             tostring(), interpolation and jsonencode use the same text.
 *   tuple     [\n  1,\n  2,\n]      (empty: [])
 *   list/set  tolist([...]) / toset([...]) around the tuple form
 *   object    {\n  "a" = 1\n  "b" = "x"\n}   (keys quoted, sorted, not aligned;
 *             empty: {})
 *   map       tomap({...}) around the object form
 *   null      null; typed: tostring(null), tonumber(null), tobool(null),
 *             tolist(null) / * of string * /, null / * object * /
 *   unknown   (known after apply);  sensitive: (sensitive value)
 */

#endif
