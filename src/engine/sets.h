/*
 * sets.h — constant value sets the compiler builds from rule lists:
 * a string hash set (`in`, `intersects`) and a prefix set (`startswith`
 * groups, `pmatch`). Built once at compile time, queried per event without
 * allocating.
 *
 * Memory: both live in the caller's arena; the strings they point to must
 * outlive them (they are the rule's own strings).
 */
#ifndef KESTREL_ENGINE_SETS_H
#define KESTREL_ENGINE_SETS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/arena.h"

struct sset;
struct sset *sset_new(struct arena *a, const char *const *vals, size_t n);
int sset_has(const struct sset *s, const char *v, size_t len);
/* Same with the value's sets_hash() already computed. */
int sset_has_hashed(const struct sset *s, const char *v, size_t len, uint64_t h);

struct pset;
/* path: pmatch semantics (a prefix matches only at a '/' boundary). */
struct pset *pset_new(struct arena *a, const char *const *vals, size_t n, int path);
int pset_match(const struct pset *p, const char *v, size_t len);

uint64_t sets_hash(const char *s, size_t n);

#endif
