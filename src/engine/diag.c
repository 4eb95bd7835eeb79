/*
 * diag.c — the list of errors and warnings produced while loading rules.
 * Every entry carries file:line:column and the item it is about, so
 * `kestrel --validate` prints all problems of a file, not only the first.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/arena.h"
#include "engine/engine_int.h"

/* Longest formatted diagnostic line. */
#define DIAG_LINE_MAX 1024

struct engine_diag {
	struct arena arena;
	struct ptrvec entries; /* struct engine_diag_entry * */
	size_t errors;
};

struct engine_diag *engine_diag_new(void)
{
	struct engine_diag *d = calloc(1, sizeof(*d));

	if (d)
		arena_init(&d->arena);
	return d;
}

void engine_diag_free(struct engine_diag *d)
{
	if (!d)
		return;
	arena_free(&d->arena);
	free(d);
}

size_t engine_diag_count(const struct engine_diag *d)
{
	return d ? d->entries.n : 0;
}

size_t engine_diag_errors(const struct engine_diag *d)
{
	return d ? d->errors : 0;
}

const struct engine_diag_entry *engine_diag_get(const struct engine_diag *d, size_t i)
{
	return d && i < d->entries.n ? d->entries.v[i] : NULL;
}

void diag_add(struct engine_diag *d, enum engine_diag_level lvl, const struct src_pos *pos,
              const char *item_type, const char *item_name, const char *fmt, ...)
{
	struct engine_diag_entry *e;
	char msg[DIAG_LINE_MAX];
	va_list ap;

	if (!d)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e = arena_alloc(&d->arena, sizeof(*e));
	if (!e)
		return;
	e->level = lvl;
	if (pos) {
		e->file = arena_strdup(&d->arena, pos->file);
		e->line = pos->line;
		e->col = pos->col;
	}
	e->item_type = arena_strdup(&d->arena, item_type);
	e->item_name = arena_strdup(&d->arena, item_name);
	e->msg = arena_strdup(&d->arena, msg);
	if (ptrvec_push(&d->arena, &d->entries, e) == 0 && lvl == ENGINE_DIAG_ERROR)
		d->errors++;
}

void engine_diag_format(const struct engine_diag_entry *e, char *buf, size_t n)
{
	static const char *const lvl[] = {"error", "warning", "note"};
	size_t o = 0;

	buf[0] = '\0';
	if (e->file) {
		if (e->line > 0)
			o += (size_t)snprintf(buf, n, "%s:%d:%d: ", e->file, e->line, e->col);
		else
			o += (size_t)snprintf(buf, n, "%s: ", e->file);
	}
	if (o >= n)
		return;
	o += (size_t)snprintf(buf + o, n - o, "%s: ", lvl[e->level]);
	if (o < n && e->item_type && e->item_name)
		o += (size_t)snprintf(buf + o, n - o, "%s '%s': ", e->item_type, e->item_name);
	if (o < n)
		snprintf(buf + o, n - o, "%s", e->msg);
}

void engine_diag_print(const struct engine_diag *d, FILE *out)
{
	char line[DIAG_LINE_MAX * 2];

	for (size_t i = 0; d && i < d->entries.n; i++) {
		engine_diag_format(d->entries.v[i], line, sizeof(line));
		fprintf(out, "%s\n", line);
	}
}

int engine_diag_contains(const struct engine_diag *d, const char *needle)
{
	char line[DIAG_LINE_MAX * 2];

	for (size_t i = 0; d && i < d->entries.n; i++) {
		engine_diag_format(d->entries.v[i], line, sizeof(line));
		if (strstr(line, needle))
			return 1;
	}
	return 0;
}

void diag_mark(const struct engine_diag *d, struct diag_mark *m)
{
	m->n = d ? d->entries.n : 0;
	m->errors = d ? d->errors : 0;
}

/* The dropped entries' memory stays in d's arena until d is freed. */
void diag_rollback(struct engine_diag *d, const struct diag_mark *m)
{
	if (!d || m->n > d->entries.n)
		return;
	d->entries.n = m->n;
	d->errors = m->errors;
}

void diag_append(struct engine_diag *dst, const struct engine_diag *src)
{
	for (size_t i = 0; dst && src && i < src->entries.n; i++) {
		const struct engine_diag_entry *e = src->entries.v[i];
		struct src_pos p = {e->file, e->line, e->col};
		diag_add(dst, e->level, e->file ? &p : NULL, e->item_type, e->item_name, "%s",
		         e->msg);
	}
}
