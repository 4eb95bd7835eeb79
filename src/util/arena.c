/*
 * arena.c — chunked bump allocator (see arena.h). Written here rather than
 * taken from a library: it is forty lines and the reuse-on-reset policy is
 * what the per-event hot path needs.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
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

void *arena_alloc_raw(struct arena *a, size_t n)
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
		if (a->head && n > ARENA_BLOCK_SIZE) {
			/* an oversized block is used up at once: keep the
			 * partly used current block in front */
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
	void *p = b->data + b->used;
	b->used += n;
	return p;
}

void *arena_alloc(struct arena *a, size_t n)
{
	void *p = arena_alloc_raw(a, n);
	if (p)
		memset(p, 0, n);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc_raw(a, n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	char *p = arena_alloc(a, (size_t)n + 1);
	if (!p)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}
