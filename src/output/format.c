/*
 * format.c — renders an alert as Falco's text line or Falco's JSON object
 * (jansson). Both go through escape.c: the text line is C-escaped, JSON
 * strings are repaired to valid UTF-8 and then JSON-escaped by jansson.
 * Both are capped (OUTPUT_LINE_MAX, OUTPUT_FIELD_MAX) with a visible marker.
 */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "output/escape.h"
#include "output/format.h"
#include "output/output.h"
#include "util/timefmt.h"

static int key_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-' || c == '[' || c == ']';
}

/* Length of the `word` of a `word=` at s, or 0 if s does not start with one. */
static size_t key_prefix(const char *s)
{
	size_t k = 0;
	while (key_char((unsigned char)s[k]))
		k++;
	return k > 0 && s[k] == '=' ? k : 0;
}

/* 1 if v holds `word=` at its start or after a space: it could pass for pairs. */
static int forges_pairs(const char *v)
{
	if (key_prefix(v))
		return 1;
	for (const char *p = strchr(v, ' '); p; p = strchr(p + 1, ' '))
		if (key_prefix(p + 1))
			return 1;
	return 0;
}

/* Where a value that forges pairs occurs in the output: spaces become \x20. */
struct forge_span {
	size_t start, end, eq; /* eq: offset of a leading key's '=', or end */
};

/* Fills spans (sorted, non-overlapping) for the string fields that forge pairs. */
static int find_forged(const struct alert *a, const char *out, size_t n, struct forge_span *sp)
{
	int ns = 0;
	for (int i = 0; i < a->nfields && ns < OUTPUT_FORGE_SPANS; i++) {
		const struct alert_field *f = &a->fields[i];
		if (f->type != AV_STRING || !f->str || !*f->str || !forges_pairs(f->str))
			continue;
		size_t vlen = strlen(f->str), k = key_prefix(f->str);
		for (const char *p = memmem(out, n, f->str, vlen); p && ns < OUTPUT_FORGE_SPANS;
		     p = memmem(p + vlen, n - (size_t)(p + vlen - out), f->str, vlen)) {
			size_t st = (size_t)(p - out);
			struct forge_span s = {st, st + vlen, k ? st + k : st + vlen};
			int j = ns++;
			for (; j > 0 && sp[j - 1].start > s.start; j--)
				sp[j] = sp[j - 1];
			sp[j] = s;
		}
	}
	/* merge overlaps (a value found inside another) */
	int m = 0;
	for (int i = 0; i < ns; i++) {
		if (m > 0 && sp[i].start < sp[m - 1].end) {
			if (sp[i].end > sp[m - 1].end)
				sp[m - 1].end = sp[i].end;
			continue;
		}
		sp[m++] = sp[i];
	}
	return m;
}

/* Escapes out[from, to) with flags; 1 when the limit cut it (*pos: where). */
static int escape_piece(struct buf *b, const char *out, size_t *pos, size_t to, int flags,
                        size_t limit)
{
	size_t used;
	if (output_escape_bounded(b, out + *pos, to - *pos, flags, limit, &used) < 0)
		return -1;
	*pos += used;
	return *pos < to;
}

int output_escape_output(struct buf *b, const struct alert *a, size_t limit)
{
	const char *out = a->output ? a->output : "";
	size_t n = strlen(out), pos = 0;
	struct forge_span sp[OUTPUT_FORGE_SPANS];
	int ns = find_forged(a, out, n, sp), rc = 0;
	/* keep room for the marker: the line with it stays within the limit */
	size_t cap = limit > ESCAPE_MARKER_MAX ? limit - ESCAPE_MARKER_MAX : 0;
	for (int i = 0; i <= ns && rc == 0; i++) {
		size_t start = i < ns ? sp[i].start : n;
		rc = escape_piece(b, out, &pos, start, 0, cap);
		if (rc != 0 || i == ns)
			break;
		rc = escape_piece(b, out, &pos, sp[i].eq, ESCAPE_SPACE, cap);
		if (rc == 0 && sp[i].eq < sp[i].end) {
			rc = escape_piece(b, out, &pos, sp[i].eq + 1, ESCAPE_EQUALS, cap);
			if (rc == 0)
				rc = escape_piece(b, out, &pos, sp[i].end, ESCAPE_SPACE, cap);
		}
	}
	if (rc == 1 && output_append_truncated(b, n - pos) < 0)
		return -1;
	return rc;
}

int output_format_text(struct buf *b, const struct alert *a, int iso8601)
{
	char t[OUTPUT_TIME_MAX];
	timefmt_event(t, sizeof(t), a->time_ns, iso8601);
	size_t start = b->len;
	if (buf_printf(b, "%s: %s ", t, output_priority_name(a->priority)) < 0)
		return -1;
	return output_escape_output(b, a, start + OUTPUT_LINE_MAX);
}

/* A JSON string from raw bytes: invalid UTF-8 becomes U+FFFD first. */
static json_t *json_raw_string(struct buf *tmp, const char *s)
{
	buf_reset(tmp);
	if (output_utf8_repair(tmp, s ? s : "", s ? strlen(s) : 0) < 0)
		return NULL;
	return json_stringn_nocheck(tmp->p, tmp->len);
}

/* A field value, cut at OUTPUT_FIELD_MAX raw bytes (with the marker). */
static json_t *json_field_string(struct buf *tmp, const char *s, size_t len)
{
	size_t keep = output_utf8_cut(s, len, OUTPUT_FIELD_MAX);
	buf_reset(tmp);
	if (output_utf8_repair(tmp, s, keep) < 0 ||
	    (keep < len && output_append_truncated(tmp, len - keep) < 0))
		return NULL;
	return json_stringn_nocheck(tmp->p, tmp->len);
}

static int dump_to_buf(const char *buffer, size_t size, void *data)
{
	return buf_append(data, buffer, size);
}

/* Records the full length of a cut field in *lengths (created on first use). */
static int note_length(json_t **lengths, const char *name, size_t len)
{
	if (!*lengths && !(*lengths = json_object()))
		return -1;
	return json_object_set_new(*lengths, name, json_integer((json_int_t)len));
}

/* json_object_set_new that fails on a NULL value instead of leaking the key. */
static int set(json_t *obj, const char *key, json_t *v)
{
	if (!v)
		return -1;
	return json_object_set_new(obj, key, v);
}

/* One output_fields value, typed; a cut string's length goes to *lengths. */
static json_t *json_field_value(struct buf *tmp, const struct alert_field *f, json_t **lengths)
{
	switch (f->type) {
	case AV_STRING: {
		size_t slen = f->str ? strlen(f->str) : 0;
		if (slen > OUTPUT_FIELD_MAX && note_length(lengths, f->name, slen) < 0)
			return NULL;
		return json_field_string(tmp, f->str ? f->str : "", slen);
	}
	case AV_INT:
		return json_integer((json_int_t)f->num);
	case AV_BOOL:
		return json_boolean(f->num);
	default:
		return json_null();
	}
}

/* Fills fields with the alert's output_fields; 0, or -1 on ENOMEM. */
static int json_fields(json_t *fields, struct buf *tmp, const struct alert *a, json_t **lengths)
{
	for (int i = 0; i < a->nfields; i++) {
		const struct alert_field *f = &a->fields[i];
		json_t *v = json_field_value(tmp, f, lengths);
		buf_reset(tmp);
		if (!v || output_utf8_repair(tmp, f->name, strlen(f->name)) < 0 ||
		    json_object_set_new_nocheck(fields, tmp->p, v) < 0) {
			json_decref(v);
			return -1;
		}
	}
	return 0;
}

int output_format_json(struct buf *b, struct buf *tmp, const struct alert *a,
                       const struct output_json_opts *opts)
{
	char t[OUTPUT_TIME_MAX];
	int rc = -1;
	json_t *root = json_object(), *fields = json_object(), *tags = NULL, *lengths = NULL;
	if (!root || !fields || json_fields(fields, tmp, a, &lengths) < 0)
		goto out;
	if (!json_object_get(fields, "evt.time") &&
	    set(fields, "evt.time", json_integer((json_int_t)a->time_ns)) < 0)
		goto out;
	timefmt_event(t, sizeof(t), a->time_ns, 1);
	if (set(root, "time", json_string(t)) < 0 ||
	    set(root, "rule", json_raw_string(tmp, a->rule)) < 0 ||
	    set(root, "priority", json_string(output_priority_name(a->priority))) < 0 ||
	    set(root, "source", json_raw_string(tmp, a->source ? a->source : "syscall")) < 0 ||
	    set(root, "hostname", json_raw_string(tmp, opts->hostname)) < 0)
		goto out;
	if (lengths && opts->include_output_fields &&
	    json_object_set(root, "output_fields_length", lengths) < 0)
		goto out;
	if (opts->include_output) {
		buf_reset(tmp);
		if (output_format_text(tmp, a, opts->iso8601) < 0 ||
		    set(root, "output", json_stringn_nocheck(tmp->p, tmp->len)) < 0)
			goto out;
	}
	if (opts->include_tags) {
		if (!(tags = json_array()))
			goto out;
		for (int i = 0; i < a->ntags; i++)
			if (json_array_append_new(tags, json_raw_string(tmp, a->tags[i])) < 0)
				goto out;
		rc = json_object_set(root, "tags", tags);
		if (rc < 0)
			goto out;
		rc = -1;
	}
	if (opts->include_message) {
		buf_reset(tmp);
		if (output_escape_output(tmp, a, OUTPUT_LINE_MAX) < 0 ||
		    set(root, "message", json_stringn_nocheck(tmp->p, tmp->len)) < 0)
			goto out;
	}
	if (opts->include_output_fields && json_object_set(root, "output_fields", fields) < 0)
		goto out;
	/* jansson leaves DEL, C1 and the Unicode separators raw: escape them too */
	buf_reset(tmp);
	rc = json_dump_callback(root, dump_to_buf, tmp, JSON_COMPACT | JSON_SORT_KEYS);
	if (rc == 0)
		rc = output_json_escape_extra(b, tmp->p, tmp->len);
	if (rc == 0 && lengths)
		rc = 1;
out:
	json_decref(lengths);
	json_decref(tags);
	json_decref(fields);
	json_decref(root);
	return rc < 0 ? -1 : rc;
}
