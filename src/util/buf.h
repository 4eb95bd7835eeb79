/*
 * buf.h — one growable byte buffer for every stage that builds a string
 * piece by piece (label lists, argv, output lines). It is reused from event
 * to event: buf_reset() keeps the memory, so a steady stream allocates only
 * when a longer value than any before arrives. The buffer owns its memory;
 * buf_free() releases it. A zeroed struct buf is an empty buffer.
 */
#ifndef KESTREL_BUF_H
#define KESTREL_BUF_H

#include <stdarg.h>
#include <stddef.h>

/* First allocation of a buffer; it then doubles. */
#define BUF_MIN_CAP 64

struct buf {
	char *p;    /* NUL-terminated once anything was appended; NULL before */
	size_t len; /* bytes used, excluding the NUL */
	size_t cap;
};

/* All return 0, or -1 when memory is exhausted (the buffer is unchanged). */
int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *s, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Replaces the contents with s[0..n). */
int buf_set(struct buf *b, const void *s, size_t n);
/* The contents, "" for a buffer never written. */
const char *buf_str(const struct buf *b);
/* Empties the buffer and keeps its memory. */
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

/*
 * Grows the array *p of elem-sized items so it holds at least need items,
 * doubling from 16; *cap counts items. 0, or -1 on ENOMEM or overflow
 * (the array is unchanged). For the arrays of fields, arguments and events.
 */
int buf_grow_array(void **p, size_t *cap, size_t need, size_t elem);

#endif
