/*
 * format.c — renders an alert as Falco's text line or Falco's JSON object
 * (jansson). Both go through escape.c: the text line is C-escaped, JSON
 * strings are repaired to valid UTF-8 and then JSON-escaped by jansson.
 */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "output/escape.h"
#include "output/format.h"

#define NS_PER_SEC 1000000000ULL

static const char *const priority_names[] = {
    "Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug",
};

const char *output_priority_name(enum priority p)
{
	if ((unsigned)p < sizeof(priority_names) / sizeof(priority_names[0]))
		return priority_names[p];
	return "Unknown";
}

void output_format_time(char *buf, size_t len, uint64_t time_ns, int iso8601)
{
	time_t sec = (time_t)(time_ns / NS_PER_SEC);
	unsigned long ns = (unsigned long)(time_ns % NS_PER_SEC);
	struct tm tm;
	if (iso8601) {
		gmtime_r(&sec, &tm);
		snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09luZ", tm.tm_year + 1900,
		         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ns);
	} else {
		localtime_r(&sec, &tm);
		snprintf(buf, len, "%02d:%02d:%02d.%09lu", tm.tm_hour, tm.tm_min, tm.tm_sec, ns);
	}
}

int output_format_text(struct outbuf *b, const struct alert *a, int iso8601)
{
	char t[OUTPUT_TIME_MAX];
	output_format_time(t, sizeof(t), a->time_ns, iso8601);
	if (outbuf_printf(b, "%s: %s ", t, output_priority_name(a->priority)) < 0)
		return -1;
	const char *out = a->output ? a->output : "";
	return output_escape_text(b, out, strlen(out));
}

/* A JSON string from raw bytes: invalid UTF-8 becomes U+FFFD first. */
static json_t *json_raw_string(struct outbuf *tmp, const char *s)
{
	outbuf_reset(tmp);
	if (output_utf8_repair(tmp, s ? s : "", s ? strlen(s) : 0) < 0)
		return NULL;
	return json_stringn_nocheck(tmp->p, tmp->len);
}

static int dump_to_outbuf(const char *buffer, size_t size, void *data)
{
	return outbuf_append(data, buffer, size);
}

/* json_object_set_new that fails on a NULL value instead of leaking the key. */
static int set(json_t *obj, const char *key, json_t *v)
{
	if (!v)
		return -1;
	return json_object_set_new(obj, key, v);
}

int output_format_json(struct outbuf *b, struct outbuf *tmp, const struct alert *a,
                       const struct output_json_opts *opts)
{
	char t[OUTPUT_TIME_MAX];
	int rc = -1;
	json_t *root = json_object(), *fields = json_object(), *tags = NULL;
	if (!root || !fields)
		goto out;
	for (int i = 0; i < a->nfields; i++) {
		const struct alert_field *f = &a->fields[i];
		json_t *v;
		switch (f->type) {
		case AV_STRING:
			v = json_raw_string(tmp, f->str);
			break;
		case AV_INT:
			v = json_integer((json_int_t)f->num);
			break;
		case AV_BOOL:
			v = json_boolean(f->num);
			break;
		default:
			v = json_null();
			break;
		}
		outbuf_reset(tmp);
		if (!v || output_utf8_repair(tmp, f->name, strlen(f->name)) < 0 ||
		    json_object_set_new_nocheck(fields, tmp->p, v) < 0) {
			json_decref(v);
			goto out;
		}
	}
	if (!json_object_get(fields, "evt.time") &&
	    set(fields, "evt.time", json_integer((json_int_t)a->time_ns)) < 0)
		goto out;
	output_format_time(t, sizeof(t), a->time_ns, 1);
	if (set(root, "time", json_string(t)) < 0 ||
	    set(root, "rule", json_raw_string(tmp, a->rule)) < 0 ||
	    set(root, "priority", json_string(output_priority_name(a->priority))) < 0 ||
	    set(root, "source", json_raw_string(tmp, a->source ? a->source : "syscall")) < 0 ||
	    set(root, "hostname", json_raw_string(tmp, opts->hostname)) < 0)
		goto out;
	if (opts->include_output) {
		outbuf_reset(tmp);
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
		const char *out = a->output ? a->output : "";
		outbuf_reset(tmp);
		if (output_escape_text(tmp, out, strlen(out)) < 0 ||
		    set(root, "message", json_stringn_nocheck(tmp->p, tmp->len)) < 0)
			goto out;
	}
	if (opts->include_output_fields && json_object_set(root, "output_fields", fields) < 0)
		goto out;
	rc = json_dump_callback(root, dump_to_outbuf, b, JSON_COMPACT | JSON_SORT_KEYS);
out:
	json_decref(tags);
	json_decref(fields);
	json_decref(root);
	return rc < 0 ? -1 : 0;
}
