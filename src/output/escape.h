/*
 * escape.h — how kestrel makes attacker-controlled text (argv, paths, comm,
 * container names) safe for its outputs. Used by every sink and by anything
 * that prints raw event data (replay --print-events).
 *
 * Text scheme (one-line sinks: syslog, journal, stdout, file, program):
 *   \n \r \t     for newline, carriage return, tab
 *   \\           for a backslash, so the escaping is reversible
 *   \xNN         (lowercase hex) for every other byte below 0x20, DEL (0x7f),
 *                each byte of an invalid UTF-8 sequence, and each byte of
 *                the valid but dangerous code points: C1 controls
 *                U+0080-U+009F (8-bit CSI), U+2028/U+2029 (line/paragraph
 *                separators) and the bidi controls U+202A-U+202E and
 *                U+2066-U+2069.
 *   everything else, including valid UTF-8, is kept as is.
 * So an escaped value never contains a line break, a control byte or a
 * terminal escape sequence, and cannot forge a new syslog line.
 * With ESCAPE_SPACE (format.c uses it for a value that contains `word=`
 * at its start or after a space, i.e. one that could pass for extra
 * `key=value` pairs) spaces become \x20 too, and with ESCAPE_EQUALS an
 * '=' becomes \x3d.
 *
 * JSON scheme: values are made valid UTF-8 by replacing each invalid byte
 * with U+FFFD (as Falco's JSON library does); JSON's own escaping (jansson)
 * turns C0 controls into \uXXXX, and output_json_escape_extra() then does
 * the same for DEL, the C1 controls, U+2028/U+2029 and the bidi controls,
 * which jansson leaves raw.
 */
#ifndef KESTREL_ESCAPE_H
#define KESTREL_ESCAPE_H

#include <stddef.h>

#include "util/buf.h"

/* Appends the text-escaped form of s[0..n) to b. 0, or -1 on memory error. */
int output_escape_text(struct buf *b, const char *s, size_t n);

#define ESCAPE_SPACE 1  /* ' ' becomes \x20 */
#define ESCAPE_EQUALS 2 /* '=' becomes \x3d */
/* Room for the truncation marker "…[truncated N bytes]". */
#define ESCAPE_MARKER_MAX 48

/*
 * Appends the escaped form of s[0..n) (flags: ESCAPE_*) while b->len stays
 * <= limit, never splitting an escape or a UTF-8 sequence; *used is set to
 * the input bytes consumed (< n when the limit was reached). 0, or -1 on
 * memory error.
 */
int output_escape_bounded(struct buf *b, const char *s, size_t n, int flags, size_t limit,
                          size_t *used);

/* Appends the marker "…[truncated N bytes]" (at most ESCAPE_MARKER_MAX bytes). */
int output_append_truncated(struct buf *b, size_t left_out);

/* Length of the longest prefix of s[0..n) that is <= max and ends on a UTF-8 boundary. */
size_t output_utf8_cut(const char *s, size_t n, size_t max);

/*
 * Appends JSON text j[0..n) (jansson's output) with DEL, C1 controls,
 * U+2028/U+2029 and the bidi controls written as \uXXXX. These only occur
 * inside JSON strings, where the escape means the same character.
 */
int output_json_escape_extra(struct buf *b, const char *j, size_t n);

/*
 * snprintf-like: writes the escaped, NUL-terminated form of src into dst
 * (at most dstlen bytes; never splits an escape) and returns the length of
 * the full escaped string, so a result >= dstlen means it was truncated.
 */
size_t output_escape_str(char *dst, size_t dstlen, const char *src);

/* Returns a malloc'ed escaped copy of src (the caller frees it), NULL on ENOMEM. */
char *output_escape_dup(const char *src);

/* Appends s[0..n) to b with invalid UTF-8 bytes replaced by U+FFFD. */
int output_utf8_repair(struct buf *b, const char *s, size_t n);

#endif
