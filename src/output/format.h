/*
 * format.h — an alert as text or JSON, the two formats every sink writes.
 *
 * Text: "<time>: <Priority> <output>" as Falco prints it; <time> is local
 * HH:MM:SS.nnnnnnnnn, or UTC YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ with
 * time_format_iso_8601; the output is text-escaped (escape.h).
 * JSON: Falco's schema, keys sorted: hostname, output (the escaped text
 * line, if include_output), output_fields (raw values, typed, null when
 * unknown, plus evt.time in ns), priority, rule, source, tags (if
 * include_tags), time (RFC 3339 UTC with nanoseconds); "message" (the
 * escaped output without time and priority) with include_message.
 * A string in output_fields longer than OUTPUT_FIELD_MAX bytes is cut (with
 * "…[truncated N bytes]"); "output_fields_length" then maps each cut
 * field's name to its full length in bytes. The text is capped at
 * OUTPUT_LINE_MAX. DEL, C1 controls, U+2028/U+2029 and the bidi controls
 * are written as \uXXXX in JSON strings.
 */
#ifndef KESTREL_FORMAT_H
#define KESTREL_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "engine/alert.h"
#include "util/buf.h"
#include "util/priority.h"
#include "util/timefmt.h"

/* An event time as text (util/timefmt.h), NUL included. */
#define OUTPUT_TIME_MAX TIMEFMT_MAX

struct output_json_opts {
	const char *hostname;
	int include_output;
	int include_tags;
	int include_message;       /* "message": the escaped output alone */
	int include_output_fields; /* "output_fields" */
	int iso8601;               /* time format of the text line in "output" */
};

/* "Emergency" ... "Debug": util/priority.h's table. */
static inline const char *output_priority_name(enum priority p)
{
	return priority_to_name((int)p);
}

/* Value occurrences (of fields that could forge pairs) escaped per alert. */
#define OUTPUT_FORGE_SPANS 32

/*
 * Appends the escaped a->output to b while b->len stays <= limit (then the
 * truncation marker ends it). A string field value holding `word=` at its
 * start or after a space has, where it occurs in the output, its spaces
 * written as \x20 and a leading word's '=' as \x3d: each space-separated
 * `key=value` in the text comes from the rule's output template.
 * 0, 1 when truncated, -1 on ENOMEM.
 */
int output_escape_output(struct buf *b, const struct alert *a, size_t limit);

/* Appends the text line (no newline, at most OUTPUT_LINE_MAX bytes) to b.
 * 0, 1 when it was truncated, -1 on ENOMEM. */
int output_format_text(struct buf *b, const struct alert *a, int iso8601);

/* Appends the JSON object (one line, no newline) to b; tmp is scratch space.
 * 0, 1 when a field was cut (see output_fields_length), -1 on ENOMEM. */
int output_format_json(struct buf *b, struct buf *tmp, const struct alert *a,
                       const struct output_json_opts *opts);

#endif
