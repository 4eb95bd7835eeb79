/*
 * sets.c — string hash set and prefix set used by compiled conditions
 * (see sets.h). The prefix set is a sorted array where each prefix points at
 * the longest other prefix it extends: a lookup is one binary search plus a
 * short walk up that chain, so hundreds of `startswith` alternatives cost
 * about as much as a few comparisons.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/sets.h"

/* 16 bytes, a third less than with size_t and the full hash: the strings
 * come from a rules file (at most ENGINE_MAX_FILE, far below 4 GiB), and
 * the hash's high half still skips most mismatches without a memcmp (its
 * low bits pick the slot). */
struct sset_ent {
	const char *s;
	uint32_t len;
	uint32_t hhi;
};

struct sset {
	size_t mask;
	struct sset_ent *tab;
};

uint64_t sets_hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a 64 */

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

struct sset *sset_new(struct arena *a, const char *const *vals, size_t n)
{
	struct sset *s = arena_alloc(a, sizeof(*s));
	size_t size = 4;

	if (!s)
		return NULL;
	while (size < n * 2 + 2)
		size *= 2;
	s->mask = size - 1;
	s->tab = arena_alloc(a, size * sizeof(*s->tab));
	if (!s->tab)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(vals[i]);
		uint64_t h = sets_hash(vals[i], len);
		size_t j = h & s->mask;
		while (s->tab[j].s &&
		       !(s->tab[j].len == len && memcmp(s->tab[j].s, vals[i], len) == 0))
			j = (j + 1) & s->mask;
		s->tab[j] = (struct sset_ent){vals[i], (uint32_t)len, (uint32_t)(h >> 32)};
	}
	return s;
}

int sset_has(const struct sset *s, const char *v, size_t len)
{
	return sset_has_hashed(s, v, len, sets_hash(v, len));
}

int sset_has_hashed(const struct sset *s, const char *v, size_t len, uint64_t h)
{
	size_t j = h & s->mask;

	while (s->tab[j].s) {
		if (s->tab[j].hhi == (uint32_t)(h >> 32) && s->tab[j].len == len &&
		    memcmp(s->tab[j].s, v, len) == 0)
			return 1;
		j = (j + 1) & s->mask;
	}
	return 0;
}

struct pset_ent {
	const char *s;
	size_t len;
	long parent; /* longest other prefix of s in the set, -1 none */
};

struct pset {
	size_t n;
	int path;
	struct pset_ent *v;
};

static int ent_cmp(const void *a, const void *b)
{
	const struct pset_ent *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->s, y->s, n);

	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

static int is_prefix(const struct pset_ent *p, const char *v, size_t len)
{
	return p->len <= len && memcmp(p->s, v, p->len) == 0;
}

struct pset *pset_new(struct arena *a, const char *const *vals, size_t n, int path)
{
	struct pset *p = arena_alloc(a, sizeof(*p));

	if (!p)
		return NULL;
	p->path = path;
	p->v = arena_alloc(a, (n ? n : 1) * sizeof(*p->v));
	if (!p->v)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(vals[i]);
		/* pmatch: "/a/b/" and "/a/b" mean the same directory */
		while (path && len > 1 && vals[i][len - 1] == '/')
			len--;
		p->v[i] = (struct pset_ent){vals[i], len, -1};
	}
	qsort(p->v, n, sizeof(*p->v), ent_cmp);
	/* drop duplicates */
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (m == 0 || ent_cmp(&p->v[m - 1], &p->v[i]) != 0)
			p->v[m++] = p->v[i];
	p->n = m;
	/* parent chain: walk back from the previous entry */
	for (size_t i = 0; i < m; i++) {
		long j = (long)i - 1;
		while (j >= 0 && !is_prefix(&p->v[j], p->v[i].s, p->v[i].len))
			j = p->v[j].parent;
		p->v[i].parent = j;
	}
	return p;
}

static int boundary_ok(const struct pset *p, const struct pset_ent *e, const char *v, size_t len)
{
	if (!p->path)
		return 1;
	return e->len == len || v[e->len] == '/' || (e->len > 0 && e->s[e->len - 1] == '/');
}

int pset_match(const struct pset *p, const char *v, size_t len)
{
	/* largest entry <= v */
	long lo = 0, hi = (long)p->n - 1, best = -1;
	struct pset_ent key = {v, len, -1};

	while (lo <= hi) {
		long mid = (lo + hi) / 2;
		if (ent_cmp(&p->v[mid], &key) <= 0) {
			best = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	for (long j = best; j >= 0; j = p->v[j].parent)
		if (is_prefix(&p->v[j], v, len) && boundary_ok(p, &p->v[j], v, len))
			return 1;
	return 0;
}
