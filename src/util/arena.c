/*
 * arena.c — chunked bump allocator (see arena.h). Written here rather than
 * taken from a library: it is forty lines and the reuse-on-reset policy is
 * what the per-event hot path needs.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util/arena.h"

#define ARENA_ALIGN 16

struct arena_block {
	struct arena_block *next;
	size_t size, used;
	size_t pad; /* keeps data[] 16-byte aligned */
	char data[];
};

void arena_init(struct arena *a)
{
	a->head = NULL;
	a->spare = NULL;
}

static void free_list(struct arena_block *b)
{
	while (b) {
		struct arena_block *n = b->next;
		free(b);
		b = n;
	}
}

void arena_free(struct arena *a)
{
	free_list(a->head);
	free_list(a->spare);
	a->head = a->spare = NULL;
}

void arena_reset(struct arena *a)
{
	struct arena_block *b = a->head;
	while (b) {
		struct arena_block *n = b->next;
		if (b->size == ARENA_BLOCK_SIZE) {
			b->used = 0;
			b->next = a->spare;
			a->spare = b;
		} else {
			free(b);
		}
		b = n;
	}
	a->head = NULL;
}

void *arena_alloc(struct arena *a, size_t n)
{
	struct arena_block *b = a->head;
	n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (!b || b->size - b->used < n) {
		if (n <= ARENA_BLOCK_SIZE && a->spare) {
			b = a->spare;
			a->spare = b->next;
		} else {
			size_t sz = n > ARENA_BLOCK_SIZE ? n : ARENA_BLOCK_SIZE;
			b = malloc(sizeof(*b) + sz);
			if (!b)
				return NULL;
			b->size = sz;
			b->used = 0;
		}
		b->next = a->head;
		a->head = b;
	}
	void *p = b->data + b->used;
	b->used += n;
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}
