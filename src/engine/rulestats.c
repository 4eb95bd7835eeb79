/*
 * rulestats.c — what each rule and each event type cost and produced:
 * evaluations, matches, alerts written or suppressed by the outputs, and
 * (opt-in) evaluation time. engine_eval_with() bumps the counters; this
 * file reads them out, carries them across a reload (by rule name) and
 * prints them as the rule table or one JSON line, for the daemon's stats
 * and `kestrel --replay FILE --rule-stats` (the tuning loop).
 */
#define _GNU_SOURCE /* qsort_r */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "engine/ccomp.h"
#include "engine/engine_int.h"
#include "util/clock.h"
#include "util/utf8.h"

/* Longest rule name shown in the table (the rest is cut with "..."). */
#define RULESTATS_NAME_MAX 200

int rulestats_eval_timed(struct engine *e, struct rl_rule *r)
{
	uint64_t t0 = clock_monotonic_ns();
	int fires = ccomp_eval(e, r->root) || e->eval_error;

	r->cnt.time_ns += clock_monotonic_ns() - t0;
	return fires;
}

void engine_set_rule_timing(struct engine *e, int on)
{
	e->rule_timing = on;
}

int engine_rule_timing(const struct engine *e)
{
	return e->rule_timing;
}

int engine_rule_stats(const struct engine *e, size_t i, struct engine_rule_stats *out)
{
	const struct rl_rule *r;

	if (i >= e->rules.n)
		return -1;
	r = e->rules.v[i];
	out->name = r->name;
	out->active = r->active;
	out->evals = r->cnt.evals;
	out->matches = r->cnt.matches;
	out->suppressed = r->cnt.suppressed;
	out->alerts = r->cnt.matches - r->cnt.suppressed;
	out->time_ns = r->cnt.time_ns;
	return 0;
}

size_t engine_evt_stats(const struct engine *e, struct engine_evt_stats *out, size_t max)
{
	size_t n = 0;

	for (int id = 0; id < e->nevt; id++) {
		const struct evt_counts *c = &e->evtc[id];
		if (!c->events)
			continue;
		if (n < max)
			out[n] = (struct engine_evt_stats){e->evt_names[id], c->events, c->evals,
			                                   c->matches};
		n++;
	}
	return n;
}

void engine_note_suppressed(struct engine *e)
{
	if (e->emitting)
		e->emitting->cnt.suppressed++;
}

static void counts_add(struct rule_counts *to, const struct rule_counts *from)
{
	to->evals += from->evals;
	to->matches += from->matches;
	to->suppressed += from->suppressed;
	to->time_ns += from->time_ns;
}

void engine_stats_carry(struct engine *to, const struct engine *from)
{
	for (size_t i = 0; i < from->rules.n; i++) {
		const struct rl_rule *r = from->rules.v[i];
		long j = r->cnt.evals || r->cnt.matches ? FIND_RULE(to, r->name) : -1;
		if (j >= 0)
			counts_add(&((struct rl_rule *)to->rules.v[j])->cnt, &r->cnt);
	}
	for (int id = 0; id < from->nevt; id++) {
		const struct evt_counts *c = &from->evtc[id];
		struct evt_counts *d;
		if (!c->events)
			continue;
		d = &to->evtc[id == EVT_OTHER ? EVT_OTHER
		                              : engine_evt_id(to, from->evt_names[id], 0)];
		d->events += c->events;
		d->evals += c->evals;
		d->matches += c->matches;
	}
	to->stats.events += from->stats.events;
	to->stats.rule_evals += from->stats.rule_evals;
	to->stats.alerts += from->stats.alerts;
	to->stats.extractions += from->stats.extractions;
	to->stats.regex_errors += from->stats.regex_errors;
}

/* ---- printing ---- */

static int cmp_u64_desc(uint64_t a, uint64_t b)
{
	return a < b ? 1 : a > b ? -1 : 0;
}

/* By time (when *by_time), evaluations, matches, then name. */
static int cmp_rule(const void *pa, const void *pb, void *by_time)
{
	const struct engine_rule_stats *a = pa, *b = pb;
	int c = *(const int *)by_time ? cmp_u64_desc(a->time_ns, b->time_ns) : 0;

	if (!c)
		c = cmp_u64_desc(a->evals, b->evals);
	if (!c)
		c = cmp_u64_desc(a->matches, b->matches);
	return c ? c : strcmp(a->name, b->name);
}

static int cmp_evt(const void *pa, const void *pb)
{
	const struct engine_evt_stats *a = pa, *b = pb;
	int c = cmp_u64_desc(a->events, b->events);

	return c ? c : strcmp(a->type, b->type);
}

/* The rules worth showing (active, or counted before a reload disabled
 * them), sorted; *n set. NULL when out of memory. */
static struct engine_rule_stats *rules_sorted(const struct engine *e, size_t *n)
{
	struct engine_rule_stats *v = calloc(e->rules.n + 1, sizeof(*v));

	*n = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; i < e->rules.n; i++) {
		engine_rule_stats(e, i, &v[*n]);
		if (v[*n].active || v[*n].evals)
			(*n)++;
	}
	qsort_r(v, *n, sizeof(*v), cmp_rule, (void *)&e->rule_timing);
	return v;
}

static struct engine_evt_stats *evts_sorted(const struct engine *e, size_t *n)
{
	struct engine_evt_stats *v = calloc((size_t)e->nevt + 1, sizeof(*v));

	*n = 0;
	if (!v)
		return NULL;
	*n = engine_evt_stats(e, v, (size_t)e->nevt);
	qsort(v, *n, sizeof(*v), cmp_evt);
	return v;
}

/* A rule name on one table line: control characters as '?', cut long. */
static void put_name(const char *s, FILE *out)
{
	size_t i;

	for (i = 0; s[i] && i < RULESTATS_NAME_MAX; i++)
		fputc((unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i], out);
	if (s[i])
		fputs("...", out);
}

/* A JSON string: quotes, backslashes and control characters escaped,
 * invalid UTF-8 as U+FFFD. */
static void put_json_string(const char *s, FILE *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t left = strlen(s);

	fputc('"', out);
	while (left) {
		size_t n = *p < 0x80 ? 1 : utf8_seqlen(p, left);
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\u%04x", *p);
		else if (n == 0)
			fputs("\\ufffd", out);
		else
			fwrite(p, 1, n, out);
		n = n ? n : 1;
		p += n;
		left -= n;
	}
	fputc('"', out);
}

static void print_table(const struct engine *e, const struct engine_rule_stats *r, size_t nr,
                        const struct engine_evt_stats *t, size_t nt, size_t top, FILE *out)
{
	size_t shown = top && top < nr ? top : nr;

	fprintf(out, "rule stats: %zu rules, %" PRIu64 " events; %s%zu by %s\n", nr,
	        e->stats.events, shown < nr ? "top " : "all ", shown,
	        e->rule_timing ? "evaluation time" : "evaluations");
	fprintf(out, "%12s %10s %10s %10s %10s  %s\n", "evaluated", "matched", "alerts",
	        "suppressed", "time_ms", "rule");
	for (size_t i = 0; i < shown; i++) {
		fprintf(out, "%12" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " ", r[i].evals,
		        r[i].matches, r[i].alerts, r[i].suppressed);
		if (e->rule_timing)
			fprintf(out, "%10.3f  ", (double)r[i].time_ns / 1e6);
		else
			fprintf(out, "%10s  ", "-");
		put_name(r[i].name, out);
		fputc('\n', out);
	}
	shown = top && top < nt ? top : nt;
	fprintf(out, "event types: %zu seen; %s%zu by events\n", nt, shown < nt ? "top " : "all ",
	        shown);
	fprintf(out, "%12s %10s %10s  %s\n", "events", "evaluated", "matched", "type");
	for (size_t i = 0; i < shown; i++)
		fprintf(out, "%12" PRIu64 " %10" PRIu64 " %10" PRIu64 "  %s\n", t[i].events,
		        t[i].evals, t[i].matches, t[i].type);
}

static void print_json(const struct engine *e, const struct engine_rule_stats *r, size_t nr,
                       const struct engine_evt_stats *t, size_t nt, size_t top, FILE *out)
{
	fprintf(out, "{\"rule_stats\":{\"timing\":%s,\"events\":%" PRIu64 ",\"rules\":[",
	        e->rule_timing ? "true" : "false", e->stats.events);
	for (size_t i = 0; i < (top && top < nr ? top : nr); i++) {
		fputs(i ? ",{\"rule\":" : "{\"rule\":", out);
		put_json_string(r[i].name, out);
		fprintf(out,
		        ",\"evaluated\":%" PRIu64 ",\"matched\":%" PRIu64 ",\"alerts\":%" PRIu64
		        ",\"suppressed\":%" PRIu64,
		        r[i].evals, r[i].matches, r[i].alerts, r[i].suppressed);
		if (e->rule_timing)
			fprintf(out, ",\"time_ns\":%" PRIu64, r[i].time_ns);
		fputc('}', out);
	}
	fputs("],\"event_types\":[", out);
	for (size_t i = 0; i < (top && top < nt ? top : nt); i++) {
		fputs(i ? ",{\"type\":" : "{\"type\":", out);
		put_json_string(t[i].type, out);
		fprintf(out,
		        ",\"events\":%" PRIu64 ",\"evaluated\":%" PRIu64 ",\"matched\":%" PRIu64
		        "}",
		        t[i].events, t[i].evals, t[i].matches);
	}
	fputs("]}}\n", out);
}

void engine_rule_stats_print(const struct engine *e, enum engine_stats_format fmt, size_t top,
                             FILE *out)
{
	size_t nr, nt;
	struct engine_rule_stats *r = rules_sorted(e, &nr);
	struct engine_evt_stats *t = evts_sorted(e, &nt);

	if (!r || !t)
		fputs("rule stats: out of memory\n", out);
	else if (fmt == ENGINE_STATS_JSON)
		print_json(e, r, nr, t, nt, top, out);
	else
		print_table(e, r, nr, t, nt, top, out);
	free(r);
	free(t);
}
