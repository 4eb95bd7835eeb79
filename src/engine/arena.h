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

#endif
