/*
 * utf8.h — UTF-8 sequence validation (strict: no overlong forms, no
 * surrogates, nothing above U+10FFFF).
 */
#ifndef KESTREL_UTF8_H
#define KESTREL_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if s[0..n) does not
 * start with one. */
size_t utf8_seqlen(const unsigned char *s, size_t n);

#endif
