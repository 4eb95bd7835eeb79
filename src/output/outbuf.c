/*
 * outbuf.c — growable byte buffer for the outputs: each sink formats an
 * alert into one of these, kept in struct outputs, and writes it at once.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/outbuf.h"

/* First allocation; most alert lines fit in it. */
#define OUTBUF_MIN_CAP 512

int outbuf_reserve(struct outbuf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : OUTBUF_MIN_CAP;
	while (cap < need)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

int outbuf_append(struct outbuf *b, const char *s, size_t n)
{
	if (outbuf_reserve(b, n) < 0)
		return -1;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int outbuf_puts(struct outbuf *b, const char *s)
{
	return outbuf_append(b, s, strlen(s));
}

int outbuf_putc(struct outbuf *b, char c)
{
	return outbuf_append(b, &c, 1);
}

int outbuf_printf(struct outbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || outbuf_reserve(b, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void outbuf_reset(struct outbuf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

void outbuf_free(struct outbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}
