/*
 * outbuf.h — a growable byte buffer the outputs reuse from alert to alert,
 * so formatting a line allocates only when a longer alert than any before
 * arrives. The buffer owns its memory: outbuf_free() releases it.
 */
#ifndef KESTREL_OUTBUF_H
#define KESTREL_OUTBUF_H

#include <stdarg.h>
#include <stddef.h>

struct outbuf {
	char *p;    /* always NUL-terminated once anything was appended */
	size_t len; /* bytes used, excluding the NUL */
	size_t cap;
};

/* 0 on success, -1 when memory is exhausted (the buffer is unchanged). */
int outbuf_reserve(struct outbuf *b, size_t extra);
int outbuf_append(struct outbuf *b, const char *s, size_t n);
int outbuf_puts(struct outbuf *b, const char *s);
int outbuf_putc(struct outbuf *b, char c);
int outbuf_printf(struct outbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Empties the buffer and keeps its memory for the next alert. */
void outbuf_reset(struct outbuf *b);
void outbuf_free(struct outbuf *b);

#endif
