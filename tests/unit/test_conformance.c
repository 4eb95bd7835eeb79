/*
 * test_conformance.c — Falco rule-language conformance: runs the cases of
 * tests/fixtures/conformance (conditions, output templates, rule files,
 * written for kestrel from what Falco's and libsinsp's own unit tests
 * establish) through the engine, compares each with Falco's answer
 * (accepted or rejected, and the result on a described event) and prints
 * "conformance: N/M agree with Falco". Cases audit data cannot express are
 * listed, not counted. Passes when at least CONF_MIN_PERCENT agree.
 */
#include <criterion/criterion.h>
#include <ctype.h>

#include "engine_testutil.h"

/* The share of cases that must agree with Falco (issue 16). */
#define CONF_MIN_PERCENT 97
#define CONF_LINE 4096
#define CONF_YAML 65536

/* Names every condition case may use (the upstream parser tests' a, b, c). */
static const char conf_base[] = "- list: shells\n"
                                "  items: [bash, sh]\n"
                                "- macro: spawned\n"
                                "  condition: evt.type in (execve, execveat)\n"
                                "- macro: a\n  condition: proc.name = bash\n"
                                "- macro: b\n  condition: evt.type = execve\n"
                                "- macro: c\n  condition: proc.pid > 0\n"
                                "- macro: notb\n  condition: proc.pid > 1\n"
                                "- macro: notz\n  condition: proc.pid > 2\n"
                                "- macro: not_macro\n  condition: proc.pid > 3\n"
                                "- macro: and_macro\n  condition: proc.pid > 4\n"
                                "- macro: or_macro\n  condition: proc.pid > 5\n"
                                "- rule: base rule\n"
                                "  desc: base\n"
                                "  condition: spawned and proc.name in (shells)\n"
                                "  output: base %proc.name\n"
                                "  priority: WARNING\n";
/* Defined after each rule-file case (the "before definition" cases). */
static const char conf_tail[] = "- macro: later\n  condition: proc.name = sh\n";

struct conf_stats {
	int agree, total, na;
};

static struct test_world W;
static const struct container_info ct_web = {
    .type = CT_DOCKER, .id = "3ad7b26ded6d", .name = "web", .privileged = 0};
static const char *bash_argv[] = {"bash", "-c", "cat /etc/shadow"};
static struct kev_path conf_paths[1];

static void conf_world(void)
{
	memset(&W, 0, sizeof(W));
	tw_add(&W, 1, 0, "systemd", "/usr/lib/systemd/systemd", NULL);
	tw_add(&W, 99, 1, "runc", "/usr/bin/runc", &ct_web);
	struct proc *p = tw_add(&W, 100, 99, "bash", "/bin/bash", &ct_web);
	p->argc = 3;
	p->argv = (char **)bash_argv;
	p->cwd = "/root";
	p->sid = 1;
}

static struct kevent conf_open(const char *name, uint64_t flags)
{
	struct kevent ev = tw_event("openat", 100, 99, "bash", "/bin/bash");

	ev.syscall = 257;
	ev.a[0] = (uint64_t)-100;
	ev.a[2] = flags;
	ev.exit = 3;
	ev.cwd = "/root";
	memset(conf_paths, 0, sizeof(conf_paths));
	conf_paths[0].name = name;
	conf_paths[0].nametype = flags & O_CREAT ? "CREATE" : "NORMAL";
	conf_paths[0].mode = 0100644;
	conf_paths[0].inode = KEV_UNSET;
	ev.npaths = 1;
	ev.paths = conf_paths;
	return ev;
}

static struct kevent conf_connect(enum kev_sa_family fam, const char *addr, int port)
{
	struct kevent ev = tw_event("connect", 100, 99, "bash", "/bin/bash");

	ev.syscall = 42;
	ev.a[0] = 3;
	ev.has_sockaddr = 1;
	ev.sockaddr.family = fam;
	ev.sockaddr.raw_family = fam == KEV_SA_INET ? 2 : 10;
	snprintf(ev.sockaddr.addr, sizeof(ev.sockaddr.addr), "%s", addr);
	ev.sockaddr.port = port;
	return ev;
}

/* The event named in a case line; 0 when the name is unknown. */
static int conf_event(const char *name, struct kevent *ev)
{
	if (strcmp(name, "exec") == 0) {
		*ev = tw_event("execve", 100, 99, "bash", "/bin/bash");
		ev->argc = ev->nargv = 3;
		ev->argv = bash_argv;
		ev->cwd = "/root";
	} else if (strcmp(name, "open") == 0) {
		*ev = conf_open("/etc/shadow", O_RDONLY);
	} else if (strcmp(name, "opt") == 0) {
		*ev = conf_open("/opt/dir/subdir", O_RDONLY);
	} else if (strcmp(name, "tmp") == 0) {
		*ev = conf_open("/tmp/file_to_run", O_WRONLY | O_CREAT);
	} else if (strcmp(name, "conn4") == 0) {
		*ev = conf_connect(KEV_SA_INET, "142.251.111.147", 443);
	} else if (strcmp(name, "conn6") == 0) {
		*ev = conf_connect(KEV_SA_INET6, "2001:4860:4860::8888", 53);
	} else {
		return 0;
	}
	return 1;
}

/* Loads base + text + tail; returns the engine or NULL (load error). */
static struct engine *conf_load(const char *text, int with_tail)
{
	static char yaml[CONF_YAML];

	struct engine *e = engine_new();
	struct engine_diag *d = engine_diag_new();

	snprintf(yaml, sizeof(yaml), "%s%s%s", conf_base, text, with_tail ? conf_tail : "");
	engine_set_append_output(e, NULL);
	engine_set_matching(e, ENGINE_MATCH_ALL);
	engine_add_buffer(e, "conformance.yaml", yaml, strlen(yaml), d);
	if (engine_compile(e, d) < 0) {
		engine_free(e);
		e = NULL;
	}
	engine_diag_free(d);
	return e;
}

/* Alerts of the rule named rule among those captured. */
static int conf_count(const struct capture *cap, const char *rule)
{
	int n = 0;

	for (int i = 0; i < cap->n; i++)
		n += strcmp(cap->rule[i], rule) == 0;
	return n;
}

/* Alerts of rule r on ev: 1 fired, 0 not, -1 the rule is not active. */
static int conf_fires(struct engine *e, const char *rule, const struct kevent *ev)
{
	struct engine_rule_info info;
	struct capture cap = {0};
	long i = engine_rule_find(e, rule);

	if (i < 0 || engine_rule_info(e, (size_t)i, &info) < 0 || !info.active)
		return -1;
	engine_eval_with(e, ev, &tw_src, &W, capture_cb, &cap);
	return conf_count(&cap, rule) > 0;
}

static void conf_tally(struct conf_stats *st, int agree, const char *what, const char *line)
{
	st->total++;
	if (agree)
		st->agree++;
	else
		printf("conformance: differs from Falco (%s): %s\n", what, line);
}

/* "@depth N": N nested parentheses around macro a. */
static const char *conf_condition(const char *cond, char *buf, size_t n)
{
	int depth;

	if (sscanf(cond, "@depth %d", &depth) != 1)
		return cond;
	if ((size_t)depth * 2 + 2 > n)
		depth = (int)(n - 2) / 2;
	memset(buf, '(', (size_t)depth);
	buf[depth] = 'a';
	memset(buf + depth + 1, ')', (size_t)depth);
	buf[2 * depth + 1] = '\0';
	return buf;
}

/* One conditions.txt line: VERDICT EVENT RESULT CONDITION. */
static void conf_condition_case(struct conf_stats *st, const char *line)
{
	char verdict[8], evname[16], result[4], rule[CONF_YAML / 2], deep[CONF_LINE];
	int off = 0;
	struct kevent ev;

	if (sscanf(line, "%7s %15s %3s %n", verdict, evname, result, &off) != 3 || !off)
		cr_assert_fail("bad case line: %s", line);
	const char *cond = conf_condition(line + off, deep, sizeof(deep));
	snprintf(rule, sizeof(rule),
	         "- rule: r\n  desc: d\n  condition: |-\n    %s\n  output: out\n"
	         "  priority: WARNING\n",
	         cond);
	struct engine *e = conf_load(rule, 0);
	int want_ok = strcmp(verdict, "ok") == 0;
	if (!e || !want_ok || strcmp(evname, "-") == 0) {
		conf_tally(st, (e != NULL) == want_ok, e ? "accepted" : "rejected", line);
		engine_free(e);
		return;
	}
	if (!conf_event(evname, &ev))
		cr_assert_fail("unknown event %s", evname);
	int fired = conf_fires(e, "r", &ev);
	conf_tally(st, fired == (result[0] == 'T'), fired < 0 ? "rule skipped" : "result", line);
	engine_free(e);
}

/* One outputs.txt line: VERDICT TEMPLATE [=> OUTPUT] on the exec event. */
static void conf_output_case(struct conf_stats *st, const char *line)
{
	char verdict[8], rule[CONF_LINE * 2], tmpl[CONF_LINE];
	const char *want = NULL, *arrow;
	struct capture cap = {0};
	struct kevent ev;
	int off = 0;

	if (sscanf(line, "%7s %n", verdict, &off) != 1 || !off)
		cr_assert_fail("bad output line: %s", line);
	snprintf(tmpl, sizeof(tmpl), "%s", line + off);
	if ((arrow = strstr(line + off, " => "))) {
		tmpl[arrow - (line + off)] = '\0';
		want = arrow + 4;
	}
	snprintf(rule, sizeof(rule),
	         "- rule: r\n  desc: d\n  condition: evt.type = execve\n  output: |-\n    %s\n"
	         "  priority: WARNING\n",
	         tmpl);
	struct engine *e = conf_load(rule, 0);
	int want_ok = strcmp(verdict, "ok") == 0;
	if (!e || !want || !want_ok) {
		conf_tally(st, (e != NULL) == want_ok, e ? "accepted" : "rejected", line);
		engine_free(e);
		return;
	}
	conf_event("exec", &ev);
	engine_eval_with(e, &ev, &tw_src, &W, capture_cb, &cap);
	int k = -1;
	for (int i = 0; i < cap.n; i++)
		if (strcmp(cap.rule[i], "r") == 0)
			k = i;
	conf_tally(st, k >= 0 && strcmp(cap.output[k], want) == 0,
	           k >= 0 ? cap.output[k] : "no alert", line);
	engine_free(e);
}

/* One rules.txt case: "=== VERDICT NAME" and the YAML after it. */
static void conf_rules_case(struct conf_stats *st, const char *head, const char *yaml)
{
	char verdict[8];

	if (sscanf(head, "=== %7s", verdict) != 1)
		cr_assert_fail("bad rules case: %s", head);
	struct engine *e = conf_load(yaml, 1);
	conf_tally(st, (e != NULL) == (strcmp(verdict, "ok") == 0), e ? "accepted" : "rejected",
	           head);
	engine_free(e);
}

static FILE *conf_open_fixture(const char *name)
{
	char rel[256], path[1024];

	snprintf(rel, sizeof(rel), "tests/fixtures/conformance/%s", name);
	FILE *f = fopen(tw_srcpath(path, sizeof(path), rel), "r");
	cr_assert_not_null(f, "cannot open %s", path);
	return f;
}

static void conf_chomp(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

/* conditions.txt and outputs.txt: one case a line. */
static void conf_run_lines(struct conf_stats *st, const char *name,
                           void (*run)(struct conf_stats *, const char *))
{
	char line[CONF_LINE];
	FILE *f = conf_open_fixture(name);

	while (fgets(line, sizeof(line), f)) {
		conf_chomp(line);
		if (!line[0] || line[0] == '#' || line[0] == '@')
			continue;
		if (strncmp(line, "na ", 3) == 0) {
			printf("conformance: not expressible with audit data: %s\n", line + 3);
			st->na++;
			continue;
		}
		run(st, line);
	}
	fclose(f);
}

static void conf_run_rules(struct conf_stats *st)
{
	static char yaml[CONF_YAML];
	char line[CONF_LINE], head[CONF_LINE] = "";
	FILE *f = conf_open_fixture("rules.txt");

	yaml[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "===", 3) == 0) {
			if (head[0])
				conf_rules_case(st, head, yaml);
			conf_chomp(line);
			snprintf(head, sizeof(head), "%s", line);
			yaml[0] = '\0';
		} else if (head[0] && line[0] != '#') {
			strncat(yaml, line, sizeof(yaml) - strlen(yaml) - 1);
		}
	}
	if (head[0])
		conf_rules_case(st, head, yaml);
	fclose(f);
}

/* append_output entries, after falco unit_tests/engine/test_extra_output.cpp
 * (extra_format_all, extra_format_by_rule, extra_format_by_tag_rule,
 * extra_fields_all): which rules get which text, and extra fields that
 * reach the alert's fields but not its text. */
static const char conf_append_rules[] =
    "- rule: legit_rule\n  desc: d\n  condition: evt.type = execve\n  output: out 1\n"
    "  priority: INFO\n  tags: [tag1]\n"
    "- rule: another_rule\n  desc: d\n  condition: evt.type = execve\n  output: out 2\n"
    "  priority: INFO\n  tags: [tag1]\n"
    "- rule: a_third_rule\n  desc: d\n  condition: evt.type = execve\n  output: out 3\n"
    "  priority: INFO\n  tags: [tag1, tag2]\n";

static void conf_append_case(struct conf_stats *st, const struct engine_append *a, int na,
                             const char *const want[3], const char *field)
{
	static const char *const names[3] = {"legit_rule", "another_rule", "a_third_rule"};
	struct engine *e = engine_new();
	struct engine_diag *d = engine_diag_new();
	struct capture cap = {0};
	struct kevent ev;

	engine_set_append_output(e, NULL);
	engine_set_matching(e, ENGINE_MATCH_ALL);
	for (int i = 0; i < na; i++)
		engine_add_append_output(e, &a[i]);
	engine_add_buffer(e, "append.yaml", conf_append_rules, strlen(conf_append_rules), d);
	int ok = engine_compile(e, d) == 0;
	conf_event("exec", &ev);
	if (ok)
		engine_eval_with(e, &ev, &tw_src, &W, capture_cb, &cap);
	for (int r = 0; r < 3; r++) {
		int hit = 0;
		for (int i = 0; i < cap.n; i++)
			if (strcmp(cap.rule[i], names[r]) == 0)
				hit = strcmp(cap.output[i], want[r]) == 0 &&
				      (!field || strcmp(cap.field0[i], field) == 0);
		conf_tally(st, hit, "append_output", want[r]);
	}
	engine_free(e);
	engine_diag_free(d);
}

static void conf_run_appends(struct conf_stats *st)
{
	static const char *const t1[] = {"tag1"}, *const t12[] = {"tag1", "tag2"};
	static const char *const xf[] = {"proc.name"};
	const struct engine_append all = {.format = "evt.type=%evt.type"};
	const struct engine_append by_rule = {.match_rule = "legit_rule", .format = "x=%proc.pid"};
	const struct engine_append by_tags[3] = {
	    {.match_tags = t1, .nmatch_tags = 1, .format = "extra 1"},
	    {.match_rule = "another_rule", .format = "extra 2"},
	    {.match_tags = t12, .nmatch_tags = 2, .format = "extra 3"},
	};
	const struct engine_append fields = {
	    .match_source = "syscall", .extra_fields = xf, .nextra_fields = 1};

	conf_append_case(st, &all, 1,
	                 (const char *const[3]){"out 1 evt.type=execve", "out 2 evt.type=execve",
	                                        "out 3 evt.type=execve"},
	                 NULL);
	conf_append_case(st, &by_rule, 1, (const char *const[3]){"out 1 x=100", "out 2", "out 3"},
	                 NULL);
	conf_append_case(st, by_tags, 3,
	                 (const char *const[3]){"out 1 extra 1", "out 2 extra 1 extra 2",
	                                        "out 3 extra 1 extra 3"},
	                 NULL);
	conf_append_case(st, &fields, 1, (const char *const[3]){"out 1", "out 2", "out 3"},
	                 "proc.name");
}

/* Falco's -t / -T / -D (each Test runs in its own process, so the
 * process-wide command-line selection does not leak). */
static int conf_enabled(struct engine *e, const char *rule)
{
	struct engine_rule_info info;
	long i = engine_rule_find(e, rule);

	return i >= 0 && engine_rule_info(e, (size_t)i, &info) == 0 && info.enabled;
}

static struct engine *conf_load_append_rules(void)
{
	struct engine *e = engine_new();
	struct engine_diag *d = engine_diag_new();

	engine_add_buffer(e, "sel.yaml", conf_append_rules, strlen(conf_append_rules), d);
	cr_assert_eq(engine_compile(e, d), 0);
	engine_diag_free(d);
	return e;
}

Test(conformance, disable_by_tag_and_name_substring)
{
	cr_assert_eq(engine_cli_select(ENGINE_SEL_NOT_NAME, "other_"), 0);
	cr_assert_eq(engine_cli_select(ENGINE_SEL_NOT_TAG, "tag2"), 0);
	struct engine *e = conf_load_append_rules();
	cr_assert(conf_enabled(e, "legit_rule"));
	cr_assert_not(conf_enabled(e, "another_rule"));
	cr_assert_not(conf_enabled(e, "a_third_rule"));
	engine_free(e);
}

Test(conformance, only_rules_with_tag)
{
	cr_assert_eq(engine_cli_select(ENGINE_SEL_ONLY_TAG, "tag2"), 0);
	struct engine *e = conf_load_append_rules();
	cr_assert_not(conf_enabled(e, "legit_rule"));
	cr_assert_not(conf_enabled(e, "another_rule"));
	cr_assert(conf_enabled(e, "a_third_rule"));
	engine_free(e);
}

Test(conformance, agrees_with_falco_on_its_own_test_cases, .init = conf_world)
{
	struct conf_stats st = {0};

	conf_run_lines(&st, "conditions.txt", conf_condition_case);
	conf_run_lines(&st, "outputs.txt", conf_output_case);
	conf_run_rules(&st);
	conf_run_appends(&st);
	printf("conformance: %d/%d agree with Falco (%d cases not expressible with audit data)\n",
	       st.agree, st.total, st.na);
	fflush(stdout);
	cr_assert_gt(st.total, 0);
	cr_assert_geq(st.agree * 100, st.total * CONF_MIN_PERCENT,
	              "conformance %d/%d is below %d%%", st.agree, st.total, CONF_MIN_PERCENT);
}
