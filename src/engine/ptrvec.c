/*
 * ptrvec.c — a growable pointer array in an arena (see arena.h): push,
 * copy and lookup by name; the allocator itself is util/arena.c.
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

void ptrvec_copy(struct arena *a, struct ptrvec *dst, const struct ptrvec *src)
{
	struct ptrvec v = {0};
	for (size_t i = 0; i < src->n; i++)
		ptrvec_push(a, &v, src->v[i]);
	*dst = v;
}

long ptrvec_find_named(const struct ptrvec *v, size_t name_off, const char *name)
{
	for (size_t i = 0; i < v->n; i++) {
		const char *n = *(const char *const *)((const char *)v->v[i] + name_off);
		if (strcmp(n, name) == 0)
			return (long)i;
	}
	return -1;
}
