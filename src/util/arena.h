/*
 * arena.h — a chunked bump allocator for per-event storage. Pointers stay
 * valid until arena_reset(); reset keeps the standard blocks for reuse, so a
 * steady stream of events allocates nothing after warm-up.
 */
#ifndef KESTREL_ARENA_H
#define KESTREL_ARENA_H

#include <stddef.h>

/* Standard block size; larger requests get a block of their own. */
#define ARENA_BLOCK_SIZE (64 * 1024)

struct arena_block;

struct arena {
	struct arena_block *head; /* current block first */
	struct arena_block *spare; /* standard blocks kept by reset */
};

void arena_init(struct arena *a);
void arena_free(struct arena *a);
void arena_reset(struct arena *a);
/* n zeroed bytes, 16-byte aligned; NULL when out of memory. */
void *arena_alloc(struct arena *a, size_t n);
/* The same, not zeroed: for bytes the caller writes at once. */
void *arena_alloc_raw(struct arena *a, size_t n);
/* Copy of s[0..n) with a NUL appended. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* Copy of s (NULL for NULL). */
char *arena_strdup(struct arena *a, const char *s);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
