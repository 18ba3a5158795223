/* funcs_internal.h - helpers shared by the built-in function families
 * (funcs_*.c).  Each family file exports one table of stk_func entries,
 * terminated by an entry with name NULL; funcs.c merges them. */
#ifndef STK_FUNCS_INTERNAL_H
#define STK_FUNCS_INTERNAL_H
#include "eval/funcs.h"
#include "eval/value_priv.h"
#include "util/strbuf.h"
#include <stdint.h>

#define FN(n) static stk_value *fn_##n(const stk_func_ctx *ctx, stk_value **args, size_t nargs, \
                                       char **err, int *err_arg)
#define UNUSED_FN_ARGS (void)ctx; (void)args; (void)nargs; (void)err; (void)err_arg

extern const stk_func stk_funcs_string[], stk_funcs_collection[], stk_funcs_numeric[],
    stk_funcs_encoding[], stk_funcs_crypto[], stk_funcs_file[], stk_funcs_net[],
    stk_funcs_time[], stk_funcs_type[], stk_funcs_format[];

/* Set *err (formatted) and *err_arg; returns NULL. arg -1: not tied to an argument. */
stk_value *stk_fn_fail(char **err, int *err_arg, int arg, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Convert args[0..nargs) to the parameter types (the last type repeats for
 * variadic functions) into out[] (new references).  Bit i of nullok allows
 * a null argument i (bits past the last type follow the last bit).
 * Returns 0, or -1 with *err / *err_arg set (out released). */
int stk_fn_args(stk_value **args, size_t nargs, stk_type *const *types, size_t ntypes,
                unsigned nullok, stk_value **out, char **err, int *err_arg);
void stk_fn_release(stk_value **vals, size_t n);

/* Whole-number argument ("value must be a whole number"); 0 or -1 with err set. */
int stk_fn_int(const stk_value *v, int arg, int64_t *out, char **err, int *err_arg);
/* Sequence (list, set, tuple) check; 1 when v is one. */
int stk_fn_is_seq(const stk_value *v);
int stk_fn_is_mapping(const stk_value *v);

/* a list value whose element type is unified from the items (taken over) */
stk_value *stk_fn_list_unified(stk_value **items, size_t n, char **err);

/* Terraform's jsonencode text of v appended to b; -1 when v holds an unknown */
int stk_json_encode(stk_strbuf *b, const stk_value *v);

/* base64 (standard alphabet, padded); decode returns -1 on invalid input */
char *stk_base64_encode(const unsigned char *p, size_t n);
int stk_base64_decode(const char *s, size_t n, unsigned char **out, size_t *outlen);
/* hex digest of a buffer: alg "md5", "sha1", "sha256", "sha512"; raw=1 gives the bytes */
char *stk_digest(const char *alg, const void *p, size_t n, int raw, size_t *outlen);

/* Read a file relative to ctx->base_dir through ctx->read_file (or the OS). */
int stk_fn_read_file(const stk_func_ctx *ctx, const char *path, char **data, size_t *len, char **err);
/* Go's path.Clean (malloc'd). */
char *stk_fn_clean_path(const char *p);
/* Resolve a path against ctx->base_dir and clean it (malloc'd). */
char *stk_fn_resolve_path(const stk_func_ctx *ctx, const char *path);

#endif
