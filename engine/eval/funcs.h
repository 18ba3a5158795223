/* funcs.h - the built-in function library (Terraform's functions).
 *
 * The evaluator (eval.c) looks a function up by name, evaluates the
 * arguments, and calls it.  Before the call the evaluator:
 *   - checks the argument count against min_args / max_args,
 *   - removes sensitive marks deeply from the arguments and puts the union
 *     of them back on the result,
 *   - returns an unknown result without calling the function when an
 *     argument is not wholly known, unless STK_FUNC_UNKNOWN_OK is set.
 * try() and can() are not here: they need the unevaluated expressions and
 * live in the evaluator.
 *
 * A function returns a new reference, or NULL with *err set to a malloc'd
 * message in Terraform's words ("Invalid function argument" detail), and
 * *err_arg set to the index of the offending argument (or -1).
 */
#ifndef STK_FUNCS_H
#define STK_FUNCS_H
#include <stddef.h>
#include "eval/value.h"

typedef struct stk_func_ctx stk_func_ctx;

struct stk_func_ctx {
    const char *base_dir;   /* path.module: relative paths of file() etc. resolve here */
    const char *root_dir;   /* path.root */
    const char *cwd;        /* path.cwd */
    /* Read a whole file (the configuration may come from a git commit rather
       than the disk).  Returns 0 and a malloc'd buffer, or -1 with *err. */
    int (*read_file)(void *ud, const char *path, char **data, size_t *len, char **err);
    /* fileexists(): 1 a regular file, 0 absent, 2 a directory (then
       fileexists reports an error as Terraform does); optional (NULL: the
       local disk is asked). */
    int (*file_exists)(void *ud, const char *path);
    /* templatefile(): parse `src` as a template and evaluate it with `vars`
       (an object) in a scope holding only those variables and the functions. */
    stk_value *(*render_template)(void *ud, const char *filename, const char *src, size_t len,
                                  stk_value *vars, char **err);
    void *ud;
    int deterministic;      /* timestamp()/uuid() return unknown (plan time) when set */
    /* fileset(): every regular file under `dir` (recursively), as paths
       relative to it, malloc'd.  Optional (NULL: the local disk is walked).
       Added by the function-library helper. */
    int (*list_files)(void *ud, const char *dir, char ***paths, size_t *n, char **err);
};

typedef stk_value *(*stk_func_impl)(const stk_func_ctx *ctx, stk_value **args, size_t nargs,
                                    char **err, int *err_arg);

enum {
    STK_FUNC_UNKNOWN_OK = 1,   /* handles unknown arguments itself (length, concat, ...) */
    STK_FUNC_IMPURE = 2,       /* timestamp, uuid: unknown during plan */
    /* Added by the function-library helper: the function receives its
       arguments WITH their marks and sets the result's marks itself; the
       evaluator must neither strip argument marks nor add them to the
       result (sensitive, nonsensitive, issensitive).  An evaluator that
       ignores the flag stays safe: nonsensitive() then keeps the mark. */
    STK_FUNC_MARKS_OK = 4
};

typedef struct {
    const char *name;
    int min_args;
    int max_args;              /* -1: variadic */
    unsigned flags;
    stk_func_impl impl;
    const char *signature;     /* "cidrsubnet(prefix string, newbits number, netnum number) string" */
} stk_func;

const stk_func *stk_func_lookup(const char *name);
/* All functions, sorted by name, NULL-terminated (for help and tests). */
const stk_func *const *stk_func_all(size_t *n);

/* The name of parameter idx as the signature spells it (variadic: the last
   one); malloc'd, NULL when unknown. */
char *stk_func_param_name(const stk_func *f, int idx);
/* The diagnostic detail Terraform writes for a failed call:
   err_arg >= 0: "Invalid value for \"str\" parameter: MSG."
   err_arg <  0: "Call to function \"f\" failed: MSG."  (malloc'd) */
char *stk_func_error_detail(const stk_func *f, int err_arg, const char *msg);

/* Default ctx->read_file implementation reading from the local disk. */
int stk_func_read_file_os(void *ud, const char *path, char **data, size_t *len, char **err);

#endif
