/* ast.h - the HCL native-syntax tree produced by engine/hcl/parser.c.
 *
 * A parsed file is a body: attributes and blocks in source order.  Every
 * node carries a source range.  All nodes and strings of one file live in
 * the arena passed to the parser; the tree is freed with that arena.
 *
 * Expressions mirror HCL's hclsyntax package:
 *   literal        1, "x" (a template with no interpolation is folded into a
 *                  literal string), true, null
 *   template       "a${b}c", heredocs: parts are expressions; literal parts
 *                  are STK_EX_LITERAL strings; directives are TEMPLATE_IF /
 *                  TEMPLATE_FOR parts. Strip markers (~) are applied by the
 *                  parser to the neighbouring literal parts.
 *   template_wrap  "${x}" alone: evaluates to x's value unconverted.
 *   variable       a root name: var, local, aws_vpc, each, count, path ...
 *   getattr        obj.name
 *   index          obj[key]; legacy obj.0 is an index with a literal number
 *   splat          src.*.a / src[*].a: `each` is evaluated once per element
 *                  with STK_EX_SPLAT_ITEM standing for the element
 *   call           f(a, b...)  (expand_final for the trailing ...)
 *   conditional, binary, unary, tuple, object, for, paren
 */
#ifndef STK_HCL_AST_H
#define STK_HCL_AST_H
#include <stddef.h>
#include "util/diag.h"

struct stk_value;

typedef enum {
    STK_EX_LITERAL,
    STK_EX_TEMPLATE,
    STK_EX_TEMPLATE_WRAP,
    STK_EX_TEMPLATE_IF,
    STK_EX_TEMPLATE_FOR,
    STK_EX_VARIABLE,
    STK_EX_GETATTR,
    STK_EX_INDEX,
    STK_EX_SPLAT,
    STK_EX_SPLAT_ITEM,
    STK_EX_CALL,
    STK_EX_CONDITIONAL,
    STK_EX_BINARY,
    STK_EX_UNARY,
    STK_EX_TUPLE,
    STK_EX_OBJECT,
    STK_EX_FOR,
    STK_EX_PAREN
} stk_expr_kind;

typedef enum {
    STK_OP_OR, STK_OP_AND,
    STK_OP_EQ, STK_OP_NE,
    STK_OP_LT, STK_OP_LE, STK_OP_GT, STK_OP_GE,
    STK_OP_ADD, STK_OP_SUB,
    STK_OP_MUL, STK_OP_DIV, STK_OP_MOD,
    STK_OP_NOT, STK_OP_NEG   /* unary */
} stk_op;

typedef struct stk_expr stk_expr;

typedef struct {
    stk_expr *key;      /* for objects: a VARIABLE (bare identifier key), a
                           literal / template, or a PAREN expression */
    stk_expr *value;
} stk_object_item;

struct stk_expr {
    stk_expr_kind kind;
    stk_range range;
    union {
        struct stk_value *literal;                  /* LITERAL (owned; freed with the tree, see stk_hcl_file_free) */
        struct { stk_expr **parts; size_t n; } tmpl;  /* TEMPLATE */
        stk_expr *wrapped;                          /* TEMPLATE_WRAP, PAREN */
        struct { stk_expr *cond, *then_, *else_; } cond;   /* CONDITIONAL, TEMPLATE_IF (else_ may be NULL) */
        struct {                                    /* FOR, TEMPLATE_FOR */
            const char *key_var;                    /* NULL when only one variable */
            const char *val_var;
            stk_expr *coll;
            stk_expr *key_expr;                     /* object for only; NULL for tuple for / template for */
            stk_expr *val_expr;                     /* TEMPLATE_FOR: the body template */
            stk_expr *cond;                         /* the `if` clause or NULL */
            int is_object;                          /* {for ...} */
            int grouping;                           /* value followed by ... */
        } for_;
        const char *name;                           /* VARIABLE */
        struct { stk_expr *obj; const char *name; } getattr;  /* GETATTR */
        struct { stk_expr *obj; stk_expr *key; int legacy; } index;  /* INDEX */
        struct { stk_expr *source; stk_expr *each; int full; } splat;  /* SPLAT: full = [*] */
        struct {                                    /* CALL */
            const char *name;
            stk_expr **args;
            size_t nargs;
            int expand_final;
            stk_range name_range;
        } call;
        struct { stk_op op; stk_expr *lhs, *rhs; } binary;   /* BINARY */
        struct { stk_op op; stk_expr *operand; } unary;      /* UNARY */
        struct { stk_expr **items; size_t n; } tuple;        /* TUPLE */
        struct { stk_object_item *items; size_t n; } object; /* OBJECT */
    } u;
};

typedef struct stk_hcl_body stk_hcl_body;

typedef struct {
    const char *name;
    stk_expr *expr;
    stk_range range;        /* whole `name = expr` */
    stk_range name_range;
} stk_hcl_attr;

typedef struct {
    const char *type;
    const char **labels;
    stk_range *label_ranges;
    size_t nlabels;
    stk_hcl_body *body;
    stk_range range;        /* from the type name to the closing brace */
    stk_range type_range;
} stk_hcl_block;

struct stk_hcl_body {
    stk_hcl_attr **attrs;
    size_t nattrs;
    stk_hcl_block **blocks;
    size_t nblocks;
    stk_range range;        /* inside the braces (or the whole file) */
};

/* The literal values a tree holds (each STK_EX_LITERAL's value is one
   reference listed here); stk_hcl_literals_free (parser.h) unrefs them. */
typedef struct stk_hcl_literals {
    struct stk_value **items;
    size_t n, cap;
} stk_hcl_literals;

typedef struct stk_hcl_file {
    const char *filename;   /* arena copy; also the filename of every range */
    const char *src;        /* arena copy of the source bytes, NUL-terminated */
    size_t len;
    stk_hcl_body *body;
    struct stk_arena *arena;
    stk_hcl_literals literals;  /* owned: unref'd by stk_hcl_file_free */
} stk_hcl_file;

#endif
