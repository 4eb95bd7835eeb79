/*
 * arena.h — the rule engine's use of the shared bump allocator
 * (util/arena.h) for everything a loaded ruleset owns (parsed items,
 * condition trees, compiled nodes, strings), plus a growable pointer array
 * living in an arena.
 */
#ifndef KESTREL_ENGINE_ARENA_H
#define KESTREL_ENGINE_ARENA_H

#include <stddef.h>

#include "util/arena.h"

/* A growable array of pointers living in an arena (old storage is left to
 * the arena when it grows). */
struct ptrvec {
	void **v;
	size_t n, cap;
};
int ptrvec_push(struct arena *a, struct ptrvec *pv, void *p);
/* dst becomes a copy of src's pointers (new storage; src unchanged). */
void ptrvec_copy(struct arena *a, struct ptrvec *dst, const struct ptrvec *src);
/* Index of the first element whose `const char *` member at name_off
 * equals name, or -1 (lists, macros and rules are looked up by name). */
long ptrvec_find_named(const struct ptrvec *v, size_t name_off, const char *name);

/* A hash index over a ptrvec of named items (lists, macros, rules), so a
 * ruleset of N items loads in O(N) lookups instead of O(N^2) string
 * compares. It indexes the vector's items lazily, from where it stopped;
 * the vector may grow by push and replace an item by one of the same name,
 * anything else (a shorter vector after a rolled-back file) needs
 * nameidx_reset(). Storage lives in the arena. */
struct nameidx {
	size_t *slot; /* position + 1; 0 = empty */
	size_t cap;   /* power of two, or 0 */
	size_t n;     /* items of the vector indexed so far */
	size_t used;  /* occupied slots */
};
void nameidx_reset(struct nameidx *x);
/* Index of the first item named name (as ptrvec_find_named), or -1. Falls
 * back to a linear search when the index cannot grow (out of memory). */
long nameidx_find(struct arena *a, struct nameidx *x, const struct ptrvec *v, size_t name_off,
                  const char *name);

#endif
