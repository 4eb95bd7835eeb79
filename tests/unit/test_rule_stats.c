/*
 * test_rule_stats.c — the engine's per-rule and per-event-type counters
 * (rulestats.c) on a few hand-made events: evaluations, matches, alerts
 * and suppressed counts exact, first-match and all-match, opt-in timing,
 * counts carried by rule name into a reloaded engine, and the table and
 * JSON reports (rule names with quotes and backslashes escaped), and the
 * same counters on /metrics (metrics_publish_rules).
 */
#include <criterion/criterion.h>
#include <jansson.h>

#include "daemon/metrics.h"
#include "engine_testutil.h"

static struct test_world W;

/* A: execve by nc; B: execve or openat by bash; C: openat by ls. In load
 * order, so the execve bucket is [A, B] and the openat bucket [B, C]. */
static const char RULES[] =
    "- rule: A\n  desc: d\n  condition: evt.type = execve and proc.name = nc\n"
    "  output: a\n  priority: WARNING\n"
    "- rule: B\n  desc: d\n  condition: evt.type in (execve, openat) and proc.name = bash\n"
    "  output: b\n  priority: WARNING\n"
    "- rule: C\n  desc: d\n  condition: evt.type = openat and proc.name = ls\n"
    "  output: c\n  priority: WARNING\n";

static void init_world(void)
{
	memset(&W, 0, sizeof(W));
	tw_add(&W, 1, 0, "systemd", "/usr/lib/systemd/systemd", NULL);
	tw_add(&W, 10, 1, "nc", "/usr/bin/nc", NULL);
	tw_add(&W, 11, 1, "bash", "/usr/bin/bash", NULL);
	tw_add(&W, 12, 1, "ls", "/usr/bin/ls", NULL);
}

TestSuite(rule_stats, .init = init_world);

static struct engine_rule_stats rule(struct engine *e, const char *name)
{
	struct engine_rule_stats rs;
	long i = engine_rule_find(e, name);

	cr_assert_geq(i, 0, "rule %s", name);
	cr_assert_eq(engine_rule_stats(e, (size_t)i, &rs), 0);
	return rs;
}

static struct engine_evt_stats evtype(struct engine *e, const char *type)
{
	struct engine_evt_stats v[16];
	size_t n = engine_evt_stats(e, v, 16);

	cr_assert_leq(n, 16);
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].type, type) == 0)
			return v[i];
	return (struct engine_evt_stats){type, 0, 0, 0};
}

static int eval(struct engine *e, const char *sc, int64_t pid, const char *comm,
                engine_emit_fn emit, void *arg)
{
	struct kevent ev = tw_event(sc, pid, 1, comm, "/x");
	return engine_eval_with(e, &ev, &tw_src, &W, emit, arg);
}

/* The six events: nc execve, bash execve, ls execve, bash openat, ls
 * openat, nc connect (no rule). */
static void six_events(struct engine *e, engine_emit_fn emit, void *arg)
{
	eval(e, "execve", 10, "nc", emit, arg);
	eval(e, "execve", 11, "bash", emit, arg);
	eval(e, "execve", 12, "ls", emit, arg);
	eval(e, "openat", 11, "bash", emit, arg);
	eval(e, "openat", 12, "ls", emit, arg);
	eval(e, "connect", 10, "nc", emit, arg);
}

static void assert_rule(struct engine *e, const char *name, uint64_t evals, uint64_t matches,
                        uint64_t alerts, uint64_t suppressed)
{
	struct engine_rule_stats rs = rule(e, name);

	cr_assert_eq(rs.evals, evals, "%s evaluated %llu, expected %llu", name,
	             (unsigned long long)rs.evals, (unsigned long long)evals);
	cr_assert_eq(rs.matches, matches, "%s matched %llu", name, (unsigned long long)rs.matches);
	cr_assert_eq(rs.alerts, alerts, "%s alerts %llu", name, (unsigned long long)rs.alerts);
	cr_assert_eq(rs.suppressed, suppressed, "%s suppressed %llu", name,
	             (unsigned long long)rs.suppressed);
}

static void assert_type(struct engine *e, const char *type, uint64_t events, uint64_t evals,
                        uint64_t matches)
{
	struct engine_evt_stats t = evtype(e, type);

	cr_assert_eq(t.events, events, "%s events %llu", type, (unsigned long long)t.events);
	cr_assert_eq(t.evals, evals, "%s evaluations %llu", type, (unsigned long long)t.evals);
	cr_assert_eq(t.matches, matches, "%s matches %llu", type, (unsigned long long)t.matches);
}

Test(rule_stats, first_match_counts_are_exact)
{
	struct capture cap = {0};
	struct engine_stats st;
	struct engine *e = tw_load(RULES, NULL);

	cr_assert_not_null(e);
	six_events(e, capture_cb, &cap);
	cr_assert_eq(cap.n, 4);
	/* A: 3 execve; B: bash, ls execve and both openat; C: ls openat */
	assert_rule(e, "A", 3, 1, 1, 0);
	assert_rule(e, "B", 4, 2, 2, 0);
	assert_rule(e, "C", 1, 1, 1, 0);
	assert_type(e, "execve", 3, 5, 2);
	assert_type(e, "openat", 2, 3, 2);
	assert_type(e, "connect", 1, 0, 0);
	engine_get_stats(e, &st);
	cr_assert_eq(st.events, 6);
	cr_assert_eq(st.rule_evals, 8);
	cr_assert_eq(st.alerts, 4);
	cr_assert_eq(rule(e, "A").time_ns, 0, "no time measured unless timing is on");
	engine_free(e);
}

/* With all-match, a rule after a firing one is evaluated too. */
Test(rule_stats, all_match_evaluates_every_rule_of_the_bucket)
{
	struct engine *e = tw_load(RULES, NULL);

	cr_assert_not_null(e);
	engine_set_matching(e, ENGINE_MATCH_ALL);
	six_events(e, NULL, NULL);
	assert_rule(e, "A", 3, 1, 1, 0);
	assert_rule(e, "B", 5, 2, 2, 0);
	assert_rule(e, "C", 2, 1, 1, 0);
	assert_type(e, "execve", 3, 6, 2);
	assert_type(e, "openat", 2, 4, 2);
	engine_free(e);
}

struct suppress_ctx {
	struct engine *e;
	const char *rule; /* alerts of this rule are "dropped by the outputs" */
};

static void suppress_cb(const struct alert *a, void *arg)
{
	struct suppress_ctx *s = arg;

	if (strcmp(a->rule, s->rule) == 0)
		engine_note_suppressed(s->e);
}

Test(rule_stats, suppressed_alerts_are_charged_to_their_rule)
{
	struct engine *e = tw_load(RULES, NULL);
	struct suppress_ctx s = {e, "B"};

	cr_assert_not_null(e);
	six_events(e, suppress_cb, &s);
	engine_note_suppressed(e); /* outside an emit: charged to nobody */
	assert_rule(e, "A", 3, 1, 1, 0);
	assert_rule(e, "B", 4, 2, 0, 2);
	assert_rule(e, "C", 1, 1, 1, 0);
	engine_free(e);
}

Test(rule_stats, timing_is_opt_in)
{
	struct engine *e = tw_load(RULES, NULL);

	cr_assert_not_null(e);
	cr_assert_eq(engine_rule_timing(e), 0);
	engine_set_rule_timing(e, 1);
	for (int i = 0; i < 100; i++)
		six_events(e, NULL, NULL);
	cr_assert_gt(rule(e, "A").time_ns, 0);
	cr_assert_gt(rule(e, "B").time_ns, 0);
	assert_rule(e, "B", 400, 200, 200, 0); /* the counts are the same as untimed */
	engine_free(e);
}

/* A reload keeps counts by rule name; a removed rule's counts go. */
Test(rule_stats, counts_carry_into_a_reloaded_engine_by_name)
{
	struct engine *old = tw_load(RULES, NULL);
	struct engine *e = tw_load(
	    "- rule: D\n  desc: d\n  condition: evt.type = connect\n  output: d\n  priority: INFO\n"
	    "- rule: A\n  desc: d\n  condition: evt.type = execve and proc.name in (nc, ls)\n"
	    "  output: a\n  priority: WARNING\n",
	    NULL);
	struct engine_stats st;

	cr_assert(old && e);
	six_events(old, NULL, NULL);
	engine_stats_carry(e, old);
	engine_free(old);
	assert_rule(e, "A", 3, 1, 1, 0);
	assert_rule(e, "D", 0, 0, 0, 0);
	cr_assert_lt(engine_rule_find(e, "B"), 0);
	assert_type(e, "execve", 3, 5, 2);
	assert_type(e, "connect", 1, 0, 0);
	six_events(e, NULL, NULL);
	assert_rule(e, "A", 6, 3, 3, 0); /* nc and ls now */
	assert_rule(e, "D", 1, 1, 1, 0);
	assert_type(e, "connect", 2, 1, 1);
	engine_get_stats(e, &st);
	cr_assert_eq(st.events, 12);
	engine_free(e);
}

static char *report(struct engine *e, enum engine_stats_format fmt, size_t top)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	engine_rule_stats_print(e, fmt, top, f);
	fclose(f);
	return buf;
}

Test(rule_stats, table_lists_rules_by_evaluations_then_types)
{
	struct engine *e = tw_load(RULES, NULL);
	char *t;

	cr_assert_not_null(e);
	six_events(e, NULL, NULL);
	t = report(e, ENGINE_STATS_TABLE, 0);
	cr_assert(strstr(t, "rule stats: 3 rules, 6 events; all 3 by evaluations\n"), "%s", t);
	/* B (4 evaluations) before A (3) before C (1) */
	char *b = strstr(t, "           4          2          2          0          -  B\n");
	char *a = strstr(t, "           3          1          1          0          -  A\n");
	char *c = strstr(t, "           1          1          1          0          -  C\n");
	cr_assert(a && b && c && b < a && a < c, "%s", t);
	cr_assert(strstr(t, "           3          5          2  execve\n"), "%s", t);
	free(t);
	t = report(e, ENGINE_STATS_TABLE, 1);
	cr_assert(strstr(t, "top 1 by evaluations"), "%s", t);
	cr_assert_null(strstr(t, "  A\n"), "%s", t);
	free(t);
	engine_free(e);
}

Test(rule_stats, json_is_valid_and_escapes_rule_names)
{
	struct engine *e = tw_load("- rule: 'q\"b\\s'\n  desc: d\n  condition: evt.type = execve\n"
	                           "  output: o\n  priority: INFO\n",
	                           NULL);
	json_error_t err;
	char *t;

	cr_assert_not_null(e);
	six_events(e, NULL, NULL);
	t = report(e, ENGINE_STATS_JSON, 0);
	json_t *j = json_loads(t, 0, &err);
	cr_assert_not_null(j, "invalid JSON (%s): %s", err.text, t);
	json_t *r = json_array_get(json_object_get(json_object_get(j, "rule_stats"), "rules"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(r, "rule")), "q\"b\\s");
	cr_assert_eq(json_integer_value(json_object_get(r, "evaluated")), 3);
	cr_assert_eq(json_integer_value(json_object_get(r, "alerts")), 3);
	json_decref(j);
	free(t);
	engine_free(e);
}

/* /metrics: the engine's counters by rule, the label escaped, and a
 * publish replaces the previous set (a rule removed by a reload goes). */
static char *render(struct metrics *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	metrics_render(m, f);
	fclose(f);
	return buf;
}

Test(rule_stats, metrics_render_the_rule_counters)
{
	struct metrics *m = metrics_new();
	struct metrics_values v = {.taken_ms = 1, .backlog = -1};
	struct metrics_rule r[2] = {{"Odd \"q\" \\ name", 7, 3, 2, 1}, {"Gone", 1, 0, 0, 0}};
	char *t;

	cr_assert_not_null(m);
	metrics_publish(m, &v);
	cr_assert_eq(metrics_publish_rules(m, r, 2), 0);
	r[0].rule = "overwritten"; /* the names were copied */
	t = render(m);
	cr_assert(strstr(t, "# TYPE kestrel_rule_evaluations_total counter\n"), "%s", t);
	cr_assert(strstr(t, "kestrel_rule_evaluations_total{rule=\"Odd \\\"q\\\" \\\\ name\"} 7\n"),
	          "%s", t);
	cr_assert(strstr(t, "kestrel_rule_matches_total{rule=\"Odd \\\"q\\\" \\\\ name\"} 3\n"));
	cr_assert(strstr(t, "kestrel_rule_alerts_total{rule=\"Odd \\\"q\\\" \\\\ name\"} 2\n"));
	cr_assert(strstr(t, "kestrel_rule_suppressed_total{rule=\"Odd \\\"q\\\" \\\\ name\"} 1\n"));
	cr_assert(strstr(t, "kestrel_rule_evaluations_total{rule=\"Gone\"} 1\n"));
	free(t);
	r[0].rule = "Kept";
	cr_assert_eq(metrics_publish_rules(m, r, 1), 0);
	t = render(m);
	cr_assert_null(strstr(t, "Gone"), "%s", t);
	cr_assert(strstr(t, "kestrel_rule_evaluations_total{rule=\"Kept\"} 7\n"), "%s", t);
	free(t);
	metrics_free(m);
}
