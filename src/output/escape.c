/*
 * escape.c — the escaping schemes described in escape.h: C-style escapes
 * for one-line text sinks, UTF-8 repair before JSON encoding. Every output
 * passes attacker-controlled values through here before writing them.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "output/escape.h"
#include "util/utf8.h"

/* Longest escape of one byte: "\xNN". */
#define ESCAPE_MAX_SEQ 4

/* Valid code points that still act on a terminal or a line-oriented reader. */
static int dangerous_codepoint(const unsigned char *s, size_t len)
{
	if (len == 2 && s[0] == 0xc2 && s[1] <= 0x9f)
		return 1; /* C1 controls */
	if (len == 3 && s[0] == 0xe2 && s[1] == 0x80 && s[2] >= 0xa8 && s[2] <= 0xae)
		return 1; /* U+2028, U+2029, U+202A-U+202E */
	if (len == 3 && s[0] == 0xe2 && s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9)
		return 1; /* U+2066-U+2069 */
	return 0;
}

/*
 * Escapes one unit at s (a byte or a whole UTF-8 sequence) into out (at
 * least ESCAPE_MAX_SEQ * 4 bytes); returns the bytes written and sets
 * *used to the input bytes consumed.
 */
static size_t escape_unit(const unsigned char *s, size_t n, char *out, size_t *used)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char c = s[0];
	*used = 1;
	switch (c) {
	case '\n':
		memcpy(out, "\\n", 2);
		return 2;
	case '\r':
		memcpy(out, "\\r", 2);
		return 2;
	case '\t':
		memcpy(out, "\\t", 2);
		return 2;
	case '\\':
		memcpy(out, "\\\\", 2);
		return 2;
	default:
		break;
	}
	if (c >= 0x20 && c < 0x7f) {
		out[0] = (char)c;
		return 1;
	}
	size_t len = c >= 0x80 ? utf8_seqlen(s, n) : 0;
	if (len > 0 && !dangerous_codepoint(s, len)) {
		memcpy(out, s, len);
		*used = len;
		return len;
	}
	/* Control byte, DEL, invalid byte, or every byte of a dangerous sequence. */
	size_t count = len > 0 ? len : 1, w = 0;
	for (size_t i = 0; i < count; i++) {
		out[w++] = '\\';
		out[w++] = 'x';
		out[w++] = hex[s[i] >> 4];
		out[w++] = hex[s[i] & 0xf];
	}
	*used = count;
	return w;
}

int output_escape_text(struct outbuf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		/* Copy the common run of safe ASCII in one go. */
		size_t run = i;
		while (run < n && u[run] >= 0x20 && u[run] < 0x7f && u[run] != '\\')
			run++;
		if (run > i) {
			if (outbuf_append(b, s + i, run - i) < 0)
				return -1;
			i = run;
			continue;
		}
		char tmp[ESCAPE_MAX_SEQ * 4];
		size_t used;
		size_t w = escape_unit(u + i, n - i, tmp, &used);
		if (outbuf_append(b, tmp, w) < 0)
			return -1;
		i += used;
	}
	if (outbuf_reserve(b, 0) < 0)
		return -1;
	b->p[b->len] = '\0';
	return 0;
}

size_t output_escape_str(char *dst, size_t dstlen, const char *src)
{
	const unsigned char *u = (const unsigned char *)src;
	size_t n = strlen(src), i = 0, total = 0, w = 0;
	int full = 0;
	while (i < n) {
		char tmp[ESCAPE_MAX_SEQ * 4];
		size_t used;
		size_t k = escape_unit(u + i, n - i, tmp, &used);
		if (!full && dstlen > 0 && w + k < dstlen) {
			memcpy(dst + w, tmp, k);
			w += k;
		} else {
			full = 1;
		}
		total += k;
		i += used;
	}
	if (dstlen > 0)
		dst[w] = '\0';
	return total;
}

char *output_escape_dup(const char *src)
{
	struct outbuf b = {0};
	if (output_escape_text(&b, src, strlen(src)) < 0) {
		outbuf_free(&b);
		return NULL;
	}
	return b.p;
}

int output_utf8_repair(struct outbuf *b, const char *s, size_t n)
{
	static const char replacement[] = "\xef\xbf\xbd";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		size_t len = utf8_seqlen(u + i, n - i);
		if (len == 0) {
			if (outbuf_append(b, replacement, sizeof(replacement) - 1) < 0)
				return -1;
			i++;
		} else {
			if (outbuf_append(b, s + i, len) < 0)
				return -1;
			i += len;
		}
	}
	if (outbuf_reserve(b, 0) < 0)
		return -1;
	b->p[b->len] = '\0';
	return 0;
}
