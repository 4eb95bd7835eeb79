/*
 * kevent_json.h — a kevent as one JSON object (jansson), for
 * `--print-events`: what kestrel saw, so a human can check it.
 */
#ifndef KESTREL_KEVENT_JSON_H
#define KESTREL_KEVENT_JSON_H

#include <jansson.h>
#include <stdio.h>

#include "event/kevent.h"

/* New reference; NULL when out of memory. */
json_t *kevent_to_json(const struct kevent *ev);
/* One compact JSON line to out, written directly (no tree), the same bytes
 * as json_dumpf(kevent_to_json(ev), JSON_COMPACT) plus '\n'. Returns 0 or -1. */
int kevent_print_json(const struct kevent *ev, FILE *out);
struct buf;
/* The same object appended to b (no newline). Returns 0, or -1 when out of
 * memory (b may then hold part of it). */
int kevent_json_write(const struct kevent *ev, struct buf *b);
/*
 * A JSON string for arbitrary bytes: valid UTF-8 is kept (jansson escapes
 * control characters on output); each byte of an invalid sequence becomes
 * the text "\xNN" and a literal backslash becomes "\\", so the original
 * bytes can be recovered and nothing can break the JSON.
 */
json_t *json_bytes(const char *s, size_t len);

#endif
