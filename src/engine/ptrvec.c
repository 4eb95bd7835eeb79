/*
 * arena.c — a growable pointer array in an arena (see arena.h); the
 * allocator itself is util/arena.c.
 */
#include "config.h"

#include <string.h>

#include "engine/arena.h"

int ptrvec_push(struct arena *a, struct ptrvec *pv, void *p)
{
	if (pv->n == pv->cap) {
		size_t cap = pv->cap ? pv->cap * 2 : 8;
		void **v = arena_alloc(a, cap * sizeof(*v));

		if (!v)
			return -1;
		if (pv->n)
			memcpy(v, pv->v, pv->n * sizeof(*v));
		pv->v = v;
		pv->cap = cap;
	}
	pv->v[pv->n++] = p;
	return 0;
}
