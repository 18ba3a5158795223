/* arena.c - bump allocator: a list of chunks, each at least 64 KiB. */
#include "util/arena.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct chunk {
    struct chunk *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
} chunk;

struct stk_arena {
    chunk *head;
    size_t total;
};

stk_arena *stk_arena_new(void)
{
    stk_arena *a = calloc(1, sizeof *a);
    if (!a) abort();
    return a;
}

void stk_arena_free(stk_arena *a)
{
    if (!a) return;
    chunk *c = a->head;
    while (c) {
        chunk *n = c->next;
        free(c);
        c = n;
    }
    free(a);
}

void *stk_arena_alloc(stk_arena *a, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if (size == 0) size = 16;
    chunk *c = a->head;
    if (!c || c->size - c->used < size) {
        size_t cs = size > 65536 ? size : 65536;
        c = malloc(sizeof *c + cs);
        if (!c) abort();
        c->size = cs;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += size;
    a->total += size;
    memset(p, 0, size);
    return p;
}

char *stk_arena_strndup(stk_arena *a, const char *s, size_t n)
{
    char *p = stk_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *stk_arena_strdup(stk_arena *a, const char *s)
{
    return stk_arena_strndup(a, s, strlen(s));
}

void *stk_arena_memdup(stk_arena *a, const void *p, size_t n)
{
    void *d = stk_arena_alloc(a, n);
    if (n) memcpy(d, p, n);
    return d;
}

size_t stk_arena_used(const stk_arena *a)
{
    return a->total;
}
