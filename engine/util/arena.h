/* arena.h - bump allocator for parse trees and per-plan data.
 *
 * Ownership: everything allocated from an arena lives until
 * stk_arena_free(); nothing allocated here is ever freed on its own.
 * An arena is not thread safe; give each thread its own.
 */
#ifndef STK_ARENA_H
#define STK_ARENA_H
#include <stddef.h>

typedef struct stk_arena stk_arena;

stk_arena *stk_arena_new(void);
void stk_arena_free(stk_arena *a);
void *stk_arena_alloc(stk_arena *a, size_t size);      /* zeroed, 16-byte aligned */
char *stk_arena_strdup(stk_arena *a, const char *s);
char *stk_arena_strndup(stk_arena *a, const char *s, size_t n);
void *stk_arena_memdup(stk_arena *a, const void *p, size_t n);
size_t stk_arena_used(const stk_arena *a);              /* bytes handed out */

#endif
