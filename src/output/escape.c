/*
 * escape.c — the escaping schemes described in escape.h: C-style escapes
 * for one-line text sinks, UTF-8 repair before JSON encoding. Every output
 * passes attacker-controlled values through here before writing them.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
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
static size_t escape_unit(const unsigned char *s, size_t n, char *out, size_t *used, int flags)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char c = s[0];
	*used = 1;
	if ((c == ' ' && (flags & ESCAPE_SPACE)) || (c == '=' && (flags & ESCAPE_EQUALS))) {
		memcpy(out, c == ' ' ? "\\x20" : "\\x3d", 4);
		return 4;
	}
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

static int plain_byte(unsigned char c, int flags)
{
	return c >= 0x20 && c < 0x7f && c != '\\' && !(c == ' ' && (flags & ESCAPE_SPACE)) &&
	       !(c == '=' && (flags & ESCAPE_EQUALS));
}

int output_escape_bounded(struct buf *b, const char *s, size_t n, int flags, size_t limit,
                          size_t *used)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		/* Copy the common run of safe ASCII in one go. */
		size_t run = i;
		while (run < n && plain_byte(u[run], flags))
			run++;
		if (run > i) {
			size_t room = b->len < limit ? limit - b->len : 0;
			size_t k = run - i < room ? run - i : room;
			if (buf_append(b, s + i, k) < 0)
				return -1;
			i += k;
			if (i < run)
				break;
			continue;
		}
		char tmp[ESCAPE_MAX_SEQ * 4];
		size_t one;
		size_t w = escape_unit(u + i, n - i, tmp, &one, flags);
		if (b->len + w > limit)
			break;
		if (buf_append(b, tmp, w) < 0)
			return -1;
		i += one;
	}
	*used = i;
	if (buf_reserve(b, 0) < 0)
		return -1;
	b->p[b->len] = '\0';
	return 0;
}

int output_escape_text(struct buf *b, const char *s, size_t n)
{
	size_t used;
	return output_escape_bounded(b, s, n, 0, (size_t)-1, &used);
}

int output_append_truncated(struct buf *b, size_t left_out)
{
	return buf_printf(b, "\xe2\x80\xa6[truncated %zu bytes]", left_out);
}

size_t output_utf8_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	size_t k = max;
	/* back over continuation bytes to the start of the cut sequence */
	while (k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80 && max - k < 4)
		k--;
	return k;
}

/* \uXXXX for the code point of a UTF-8 sequence output_json_escape_extra() rewrites. */
static int json_extra_escape(const unsigned char *s, size_t len, char out[8])
{
	unsigned cp;
	if (len == 1 && s[0] == 0x7f)
		cp = 0x7f;
	else if (len == 2 || len == 3)
		cp = len == 2 ? ((s[0] & 0x1fu) << 6) | (s[1] & 0x3fu)
		              : ((s[0] & 0x0fu) << 12) | ((s[1] & 0x3fu) << 6) | (s[2] & 0x3fu);
	else
		return 0;
	if (len > 1 && !dangerous_codepoint(s, len))
		return 0;
	snprintf(out, 8, "\\u%04X", cp);
	return 1;
}

int output_json_escape_extra(struct buf *b, const char *j, size_t n)
{
	const unsigned char *u = (const unsigned char *)j;
	size_t i = 0, start = 0;
	while (i < n) {
		size_t len = 1;
		char esc[8];
		if (u[i] == 0x7f || u[i] == 0xc2 || u[i] == 0xe2) {
			len = utf8_seqlen(u + i, n - i);
			if (len == 0)
				len = 1;
			if (json_extra_escape(u + i, len, esc)) {
				if (buf_append(b, j + start, i - start) < 0 ||
				    buf_puts(b, esc) < 0)
					return -1;
				start = i + len;
			}
		}
		i += len;
	}
	return buf_append(b, j + start, n - start);
}

size_t output_escape_str(char *dst, size_t dstlen, const char *src)
{
	const unsigned char *u = (const unsigned char *)src;
	size_t n = strlen(src), i = 0, total = 0, w = 0;
	int full = 0;
	while (i < n) {
		char tmp[ESCAPE_MAX_SEQ * 4];
		size_t used;
		size_t k = escape_unit(u + i, n - i, tmp, &used, 0);
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
	struct buf b = {0};
	if (output_escape_text(&b, src, strlen(src)) < 0) {
		buf_free(&b);
		return NULL;
	}
	return b.p;
}

int output_utf8_repair(struct buf *b, const char *s, size_t n)
{
	static const char replacement[] = "\xef\xbf\xbd";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		size_t len = utf8_seqlen(u + i, n - i);
		if (len == 0) {
			if (buf_append(b, replacement, sizeof(replacement) - 1) < 0)
				return -1;
			i++;
		} else {
			if (buf_append(b, s + i, len) < 0)
				return -1;
			i += len;
		}
	}
	if (buf_reserve(b, 0) < 0)
		return -1;
	b->p[b->len] = '\0';
	return 0;
}
