/*
 * ptrvec.c — a growable pointer array in an arena (see arena.h): push,
 * copy and lookup by name (linear, or through a hash index); the
 * allocator itself is util/arena.c.
 */
#include "config.h"

#include <stdint.h>
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

	if (src->n) {
		v.v = arena_alloc(a, src->n * sizeof(*v.v));
		if (v.v) {
			memcpy(v.v, src->v, src->n * sizeof(*v.v));
			v.n = v.cap = src->n;
		}
	}
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

static const char *item_name(const struct ptrvec *v, size_t i, size_t name_off)
{
	return *(const char *const *)((const char *)v->v[i] + name_off);
}

/* FNV-1a: names are short and trusted to be arbitrary, not adversarial
 * (a collision costs a probe, never correctness). */
static uint64_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* Slot of name: its entry, or the empty slot where it would go. */
static size_t nameidx_probe(const struct nameidx *x, const struct ptrvec *v, size_t name_off,
                            const char *name)
{
	size_t m = x->cap - 1, i = (size_t)name_hash(name) & m;

	while (x->slot[i] && strcmp(item_name(v, x->slot[i] - 1, name_off), name) != 0)
		i = (i + 1) & m;
	return i;
}

static int nameidx_grow(struct arena *a, struct nameidx *x, const struct ptrvec *v, size_t name_off)
{
	struct nameidx nx = {.cap = x->cap ? x->cap * 2 : 64, .n = x->n, .used = x->used};

	nx.slot = arena_alloc(a, nx.cap * sizeof(*nx.slot));
	if (!nx.slot)
		return -1;
	for (size_t i = 0; i < x->cap; i++)
		if (x->slot[i])
			nx.slot[nameidx_probe(&nx, v, name_off,
			                      item_name(v, x->slot[i] - 1, name_off))] = x->slot[i];
	*x = nx;
	return 0;
}

void nameidx_reset(struct nameidx *x)
{
	memset(x, 0, sizeof(*x));
}

long nameidx_find(struct arena *a, struct nameidx *x, const struct ptrvec *v, size_t name_off,
                  const char *name)
{
	if (x->n > v->n)
		nameidx_reset(x);
	for (; x->n < v->n; x->n++) {
		if ((x->used + 1) * 2 > x->cap && nameidx_grow(a, x, v, name_off) < 0)
			return ptrvec_find_named(v, name_off, name);
		size_t s = nameidx_probe(x, v, name_off, item_name(v, x->n, name_off));
		if (!x->slot[s]) { /* the first item of a name wins */
			x->slot[s] = x->n + 1;
			x->used++;
		}
	}
	if (!x->cap)
		return -1;
	size_t s = nameidx_probe(x, v, name_off, name);
	return x->slot[s] ? (long)(x->slot[s] - 1) : -1;
}
