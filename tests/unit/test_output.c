/*
 * test_output.c — the outputs stage: escaping, the text and JSON formats,
 * the rate limit, and the stdout, file and program sinks, including the
 * hostile alert that must arrive as exactly one escaped line.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon/kconfig.h"
#include "output/escape.h"
#include "output/format.h"
#include "output/output.h"
#include "output/ratelimit.h"
#include "util/log.h"

/* An attacker's command line: line breaks, a terminal escape, quotes,
 * backslashes, invalid UTF-8 and a forged syslog prefix. */
#define HOSTILE "sh -c \"x\"\n<1>kestrel: Emergency forged\r\x1b[2J\\ \xff\xc3( end"
#define HOSTILE_ESCAPED "sh -c \"x\"\\n<1>kestrel: Emergency forged\\r\\x1b[2J\\\\ \\xff\\xc3( end"
/* 2026-01-02T03:04:05.000000123Z */
#define T0 1767323045000000123ULL

static char tmpdir[] = "/tmp/kestrel-test-output-XXXXXX";

static void setup(void)
{
	cr_assert_not_null(mkdtemp(tmpdir));
	log_init(1, 0, LOG_LVL_INFO);
	setenv("KESTREL_HOSTNAME", "node1", 1);
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	cr_expect_eq(system(cmd), 0);
}

TestSuite(output, .init = setup, .fini = teardown);
TestSuite(escape);
TestSuite(format, .init = setup);
TestSuite(ratelimit);

static const char *const tags[] = {"container", "shell"};

static struct alert_field hostile_fields[] = {
    {.name = "proc.cmdline", .type = AV_STRING, .str = HOSTILE},
    {.name = "proc.pid", .type = AV_INT, .num = 4242},
    {.name = "fd.name", .type = AV_NULL},
    {.name = "proc.tty_set", .type = AV_BOOL, .num = 1},
    {.name = "container.id", .type = AV_STRING, .str = "host"},
};

static struct alert hostile_alert(void)
{
	return (struct alert){
	    .time_ns = T0,
	    .rule = "Terminal shell in container",
	    .priority = PRI_WARNING,
	    .source = "syscall",
	    .ntags = 2,
	    .tags = tags,
	    .output = "A shell was spawned (cmdline=" HOSTILE ")",
	    .nfields = 5,
	    .fields = hostile_fields,
	};
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	static char buf[65536];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int count_char(const char *s, char c)
{
	int n = 0;
	for (; *s; s++)
		n += *s == c;
	return n;
}

/* No byte below 0x20 (but the final newlines), no DEL. */
static int has_control_bytes(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
			return 1;
	return 0;
}

static void quiet_config(struct kestrel_config *c)
{
	cr_assert_eq(config_init(c), 0);
	c->out.syslog_enabled = 0;
	c->out.rate = 0; /* unlimited unless a test says otherwise */
}

/* ---- escape ---- */

static void expect_escaped(const char *in, const char *want)
{
	char *got = output_escape_dup(in);
	cr_assert_not_null(got);
	cr_expect_str_eq(got, want);
	free(got);
}

Test(escape, line_breaks_tabs_and_backslashes_become_c_escapes)
{
	expect_escaped("a\nb\rc\td\\e", "a\\nb\\rc\\td\\\\e");
}

Test(escape, other_control_bytes_and_del_become_hex)
{
	expect_escaped("\x1b[2J\x01\x7f", "\\x1b[2J\\x01\\x7f");
}

Test(escape, invalid_utf8_bytes_become_hex)
{
	expect_escaped("a\xff"
	               "b\xc3(\xe2\x82",
	               "a\\xffb\\xc3(\\xe2\\x82");
	/* overlong "/" and a UTF-16 surrogate are invalid too */
	expect_escaped("\xc0\xaf|\xed\xa0\x80", "\\xc0\\xaf|\\xed\\xa0\\x80");
}

Test(escape, valid_utf8_is_kept)
{
	expect_escaped("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x90\xa6",
	               "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x90\xa6");
}

Test(escape, c1_controls_line_separators_and_bidi_controls_become_hex)
{
	/* U+009B (8-bit CSI), U+2028, U+202E (right-to-left override), U+2066 */
	expect_escaped("\xc2\x9b"
	               "1m\xe2\x80\xa8\xe2\x80\xae\xe2\x81\xa6",
	               "\\xc2\\x9b1m\\xe2\\x80\\xa8\\xe2\\x80\\xae\\xe2\\x81\\xa6");
}

Test(escape, quotes_and_forged_prefixes_pass_on_one_line)
{
	expect_escaped(HOSTILE, HOSTILE_ESCAPED);
}

Test(escape, bounded_variant_never_splits_an_escape)
{
	char buf[5];
	size_t n = output_escape_str(buf, sizeof(buf), "ab\ncd");
	cr_expect_eq(n, 6); /* "ab\\ncd" */
	cr_expect_str_eq(buf, "ab\\n");
	n = output_escape_str(buf, sizeof(buf), "abc\x01");
	cr_expect_eq(n, 7);
	cr_expect_str_eq(buf, "abc");
}

Test(escape, utf8_repair_replaces_invalid_bytes_with_fffd)
{
	struct buf b = {0};
	cr_assert_eq(output_utf8_repair(&b,
	                                "a\xff"
	                                "b\xc3\xa9",
	                                5),
	             0);
	cr_expect_str_eq(b.p, "a\xef\xbf\xbd"
	                      "b\xc3\xa9");
	buf_free(&b);
}

/* ---- format ---- */

Test(format, text_line_is_time_priority_and_escaped_output)
{
	struct alert a = hostile_alert();
	struct buf b = {0};
	setenv("TZ", "UTC", 1);
	tzset();
	cr_assert_eq(output_format_text(&b, &a, 0), 0);
	cr_expect_str_eq(
	    b.p, "03:04:05.000000123: Warning A shell was spawned (cmdline=" HOSTILE_ESCAPED ")");
	buf_reset(&b);
	cr_assert_eq(output_format_text(&b, &a, 1), 0);
	cr_expect_str_eq(
	    b.p,
	    "2026-01-02T03:04:05.000000123Z: Warning A shell was spawned (cmdline=" HOSTILE_ESCAPED
	    ")");
	buf_free(&b);
}

Test(format, priority_names_are_falcos)
{
	static const char *const want[] = {"Emergency", "Alert",  "Critical",      "Error",
	                                   "Warning",   "Notice", "Informational", "Debug"};
	for (int p = PRI_EMERGENCY; p <= PRI_DEBUG; p++)
		cr_expect_str_eq(output_priority_name((enum priority)p), want[p]);
}

static json_t *format_json(const struct alert *a, int include_output, int include_tags)
{
	struct buf b = {0}, tmp = {0};
	struct output_json_opts o = {.hostname = "node1",
	                             .include_output = include_output,
	                             .include_tags = include_tags,
	                             .include_output_fields = 1};
	cr_assert_eq(output_format_json(&b, &tmp, a, &o), 0);
	cr_expect_null(strchr(b.p, '\n'), "JSON spans lines: %s", b.p);
	json_error_t e;
	json_t *j = json_loads(b.p, 0, &e);
	cr_assert_not_null(j, "invalid JSON (%s): %s", e.text, b.p);
	buf_free(&b);
	buf_free(&tmp);
	return j;
}

Test(format, json_follows_falco_schema_with_typed_fields)
{
	struct alert a = hostile_alert();
	setenv("TZ", "UTC", 1);
	tzset();
	json_t *j = format_json(&a, 1, 1);
	cr_expect_str_eq(json_string_value(json_object_get(j, "time")),
	                 "2026-01-02T03:04:05.000000123Z");
	cr_expect_str_eq(json_string_value(json_object_get(j, "rule")),
	                 "Terminal shell in container");
	cr_expect_str_eq(json_string_value(json_object_get(j, "priority")), "Warning");
	cr_expect_str_eq(json_string_value(json_object_get(j, "source")), "syscall");
	cr_expect_str_eq(json_string_value(json_object_get(j, "hostname")), "node1");
	cr_expect_str_eq(json_string_value(json_object_get(j, "output")),
	                 "03:04:05.000000123: Warning A shell was spawned (cmdline=" HOSTILE_ESCAPED
	                 ")");
	json_t *t = json_object_get(j, "tags");
	cr_assert(json_is_array(t));
	cr_expect_eq(json_array_size(t), 2);
	cr_expect_str_eq(json_string_value(json_array_get(t, 1)), "shell");
	json_t *f = json_object_get(j, "output_fields");
	cr_assert(json_is_object(f));
	/* raw value, invalid bytes as U+FFFD, control characters intact in the JSON string */
	cr_expect_str_eq(
	    json_string_value(json_object_get(f, "proc.cmdline")),
	    "sh -c \"x\"\n<1>kestrel: Emergency forged\r\x1b[2J\\ \xef\xbf\xbd\xef\xbf\xbd( end");
	cr_expect(json_is_integer(json_object_get(f, "proc.pid")));
	cr_expect_eq(json_integer_value(json_object_get(f, "proc.pid")), 4242);
	cr_expect(json_is_null(json_object_get(f, "fd.name")));
	cr_expect(json_is_true(json_object_get(f, "proc.tty_set")));
	cr_expect_eq(json_integer_value(json_object_get(f, "evt.time")), (json_int_t)T0);
	cr_expect_eq(json_object_size(j), 8);
	json_decref(j);
}

Test(format, json_include_flags_drop_output_and_tags)
{
	struct alert a = hostile_alert();
	json_t *j = format_json(&a, 0, 0);
	cr_expect_null(json_object_get(j, "output"));
	cr_expect_null(json_object_get(j, "tags"));
	cr_expect_not_null(json_object_get(j, "output_fields"));
	cr_expect_eq(json_object_size(j), 6);
	json_decref(j);
}

Test(format, json_message_and_output_fields_properties_are_optional)
{
	struct alert a = hostile_alert();
	struct buf b = {0}, tmp = {0};
	struct output_json_opts o = {.hostname = "node1", .include_message = 1};
	cr_assert_eq(output_format_json(&b, &tmp, &a, &o), 0);
	json_t *j = json_loads(b.p, 0, NULL);
	cr_assert_not_null(j, "%s", b.p);
	cr_expect_str_eq(json_string_value(json_object_get(j, "message")),
	                 "A shell was spawned (cmdline=" HOSTILE_ESCAPED ")");
	cr_expect_null(json_object_get(j, "output_fields"));
	cr_expect_null(json_object_get(j, "output"));
	json_decref(j);
	buf_free(&b);
	buf_free(&tmp);
}

Test(format, json_keys_are_sorted_like_falco)
{
	struct alert a = hostile_alert();
	a.nfields = 0;
	struct buf b = {0}, tmp = {0};
	struct output_json_opts o = {.hostname = "node1",
	                             .include_output = 1,
	                             .include_tags = 1,
	                             .include_output_fields = 1};
	cr_assert_eq(output_format_json(&b, &tmp, &a, &o), 0);
	const char *keys[] = {"\"hostname\"", "\"output\"", "\"output_fields\"", "\"priority\"",
	                      "\"rule\"",     "\"source\"", "\"tags\"",          "\"time\""};
	const char *prev = b.p;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *k = strstr(b.p, keys[i]);
		cr_assert_not_null(k, "%s missing in %s", keys[i], b.p);
		cr_expect(k >= prev, "%s out of order in %s", keys[i], b.p);
		prev = k;
	}
	buf_free(&b);
	buf_free(&tmp);
}

/* ---- rate limit ---- */

#define SEC 1000000000ULL

Test(ratelimit, bucket_allows_burst_then_refills_at_rate)
{
	struct ratelimit rl;
	ratelimit_init(&rl, 2, 3, 0);
	for (int i = 0; i < 3; i++)
		cr_expect(ratelimit_take(&rl, 0, PRI_WARNING), "burst alert %d", i);
	cr_expect_not(ratelimit_take(&rl, 0, PRI_WARNING));
	cr_expect_not(ratelimit_take(&rl, SEC / 4, PRI_WARNING)); /* half a token */
	cr_expect(ratelimit_take(&rl, SEC / 2, PRI_WARNING));     /* one token at 2/s */
	cr_expect_not(ratelimit_take(&rl, SEC / 2, PRI_WARNING));
	/* a long pause refills to max_burst, not beyond */
	int passed = 0;
	for (int i = 0; i < 10; i++)
		passed += ratelimit_take(&rl, 100 * SEC, PRI_WARNING);
	cr_expect_eq(passed, 3);
	ratelimit_free(&rl);
}

Test(ratelimit, zero_rate_means_unlimited)
{
	struct ratelimit rl;
	ratelimit_init(&rl, 0, 1, 0);
	for (int i = 0; i < 1000; i++)
		cr_assert(ratelimit_take(&rl, 0, PRI_WARNING));
	ratelimit_free(&rl);
}

Test(ratelimit, suppressed_alerts_are_tallied_by_rule_until_reported)
{
	struct ratelimit rl;
	ratelimit_init(&rl, 1, 1, 0);
	ratelimit_note(&rl, "A", PRI_WARNING);
	ratelimit_note(&rl, "B", PRI_WARNING);
	ratelimit_note(&rl, "A", PRI_WARNING);
	cr_expect_eq(rl.pending, 3);
	cr_assert_eq(rl.nrules, 2);
	cr_expect_str_eq(rl.rules[0].rule, "A");
	cr_expect_eq(rl.rules[0].count, 2);
	cr_expect_eq(rl.rules[1].count, 1);
	cr_expect_not(ratelimit_report_due(&rl, 5 * SEC, 10 * SEC));
	cr_expect(ratelimit_report_due(&rl, 10 * SEC, 10 * SEC));
	ratelimit_reset_tally(&rl, 10 * SEC);
	cr_expect_eq(rl.pending, 0);
	cr_expect_not(ratelimit_report_due(&rl, 30 * SEC, 10 * SEC));
	ratelimit_free(&rl);
}

Test(ratelimit, rules_beyond_the_table_count_as_other)
{
	struct ratelimit rl;
	ratelimit_init(&rl, 1, 1, 0);
	char name[32];
	for (int i = 0; i < RATELIMIT_MAX_RULES + 5; i++) {
		snprintf(name, sizeof(name), "rule %d", i);
		ratelimit_note(&rl, name, PRI_WARNING);
	}
	cr_expect_eq(rl.nrules, RATELIMIT_MAX_RULES);
	cr_expect_eq(rl.other, 5);
	cr_expect_eq(rl.pending, RATELIMIT_MAX_RULES + 5);
	ratelimit_free(&rl);
}

Test(ratelimit, error_and_above_have_a_reserved_bucket_and_the_tally_keeps_the_top_priority)
{
	struct ratelimit rl;
	ratelimit_init(&rl, 1, 2, 0);
	cr_expect(ratelimit_take(&rl, 0, PRI_NOTICE));
	cr_expect(ratelimit_take(&rl, 0, PRI_WARNING));
	cr_expect_not(ratelimit_take(&rl, 0, PRI_WARNING));
	cr_expect(ratelimit_take(&rl, 0, PRI_ERROR));
	cr_expect(ratelimit_take(&rl, 0, PRI_CRITICAL));
	cr_expect_not(ratelimit_take(&rl, 0, PRI_CRITICAL));
	cr_expect_eq(rl.top_priority, -1);
	ratelimit_note(&rl, "A", PRI_WARNING);
	ratelimit_note(&rl, "B", PRI_CRITICAL);
	ratelimit_note(&rl, "A", PRI_NOTICE);
	cr_expect_eq(rl.top_priority, PRI_CRITICAL);
	ratelimit_reset_tally(&rl, 0);
	cr_expect_eq(rl.top_priority, -1);
	ratelimit_free(&rl);
}

/* ---- sinks ---- */

static char *tmp_path(const char *name)
{
	static char p[4][256];
	static int i;
	char *r = p[i++ % 4];
	snprintf(r, 256, "%s/%s", tmpdir, name);
	return r;
}

/* c's outputs, its file output writing to <tmp>/name. */
static struct outputs *file_outputs(struct kestrel_config *c, const char *name)
{
	char err[CONFIG_ERR_MAX];
	struct outputs *o;

	free(c->out.file_filename);
	c->out.file_filename = strdup(tmp_path(name));
	o = outputs_new(&c->out, err, sizeof(err));
	cr_assert_not_null(o, "%s", err);
	return o;
}

Test(output, file_output_writes_hostile_alert_as_one_escaped_line)
{
	struct kestrel_config c;
	quiet_config(&c);
	c.out.file_enabled = 1;
	struct outputs *o = file_outputs(&c, "events.txt");
	struct alert a = hostile_alert();
	outputs_emit(o, &a);
	outputs_free(o);
	char *text = read_all(c.out.file_filename);
	cr_assert_not_null(text);
	cr_expect_eq(count_char(text, '\n'), 1, "%s", text);
	cr_expect_not(has_control_bytes(text));
	cr_expect(strstr(text, ": Warning A shell was spawned (cmdline=" HOSTILE_ESCAPED ")\n") !=
	              NULL,
	          "%s", text);
	struct stat st;
	cr_assert_eq(stat(c.out.file_filename, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0640);
	config_free(&c);
}

Test(output, json_file_output_writes_hostile_alert_as_one_valid_json_line)
{
	struct kestrel_config c;
	quiet_config(&c);
	c.out.file_enabled = 1;
	c.out.json_output = 1;
	struct outputs *o = file_outputs(&c, "events.json");
	struct alert a = hostile_alert();
	outputs_emit(o, &a);
	outputs_emit(o, &a);
	outputs_free(o);
	char *text = read_all(c.out.file_filename);
	cr_assert_not_null(text);
	cr_expect_eq(count_char(text, '\n'), 2, "%s", text);
	cr_expect_not(has_control_bytes(text));
	char *nl = strchr(text, '\n');
	*nl = '\0';
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	cr_assert_not_null(j, "%s: %s", e.text, text);
	cr_expect_str_eq(json_string_value(json_object_get(j, "rule")),
	                 "Terminal shell in container");
	cr_expect_str_eq(json_string_value(json_object_get(j, "hostname")), "node1");
	json_decref(j);
	config_free(&c);
}

Test(output, file_keep_alive_reopens_after_rotation)
{
	struct kestrel_config c;
	quiet_config(&c);
	c.out.file_enabled = 1;
	c.out.file_keep_alive = 1;
	struct outputs *o = file_outputs(&c, "rot.txt");
	struct alert a = hostile_alert();
	a.output = "first";
	outputs_emit(o, &a);
	char *rotated = tmp_path("rot.txt.1");
	cr_assert_eq(rename(c.out.file_filename, rotated), 0);
	a.output = "second"; /* still goes to the renamed file: it is kept open */
	outputs_emit(o, &a);
	outputs_reopen(o);
	a.output = "third";
	outputs_emit(o, &a);
	outputs_free(o);
	char *old = strdup(read_all(rotated));
	cr_expect(strstr(old, "Warning first\n") && strstr(old, "Warning second\n"), "%s", old);
	cr_expect_null(strstr(old, "third"));
	char *now = read_all(c.out.file_filename);
	cr_assert_not_null(now);
	cr_expect(strstr(now, "Warning third\n") != NULL, "%s", now);
	cr_expect_eq(count_char(now, '\n'), 1);
	free(old);
	config_free(&c);
}

Test(output, file_output_fails_with_the_file_name)
{
	struct kestrel_config c;
	quiet_config(&c);
	c.out.file_enabled = 1;
	free(c.out.file_filename);
	c.out.file_filename = strdup("/nonexistent/dir/events.txt");
	char err[CONFIG_ERR_MAX];
	cr_expect_null(outputs_new(&c.out, err, sizeof(err)));
	cr_expect_str_eq(err,
	                 "file_output: /nonexistent/dir/events.txt: No such file or directory");
	config_free(&c);
}

Test(output, stdout_output_writes_one_line_per_alert)
{
	struct kestrel_config c;
	quiet_config(&c);
	c.out.stdout_enabled = 1;
	char *path = tmp_path("stdout.txt");
	fflush(stdout);
	int saved = dup(1);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 1);
	char err[CONFIG_ERR_MAX];
	struct outputs *o = outputs_new(&c.out, err, sizeof(err));
	struct alert a = hostile_alert();
	if (o) {
		outputs_emit(o, &a);
		outputs_free(o);
	}
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	close(fd);
	cr_assert_not_null(o, "%s", err);
	char *text = read_all(path);
	cr_expect_eq(count_char(text, '\n'), 1, "%s", text);
	cr_expect(strstr(text, "Warning A shell was spawned (cmdline=" HOSTILE_ESCAPED ")\n"), "%s",
	          text);
	config_free(&c);
}

static void program_test(int keep_alive)
{
	struct kestrel_config c;
	quiet_config(&c);
	c.out.program_enabled = 1;
	c.out.program_keep_alive = keep_alive;
	char *out = tmp_path("program.txt");
	char cmd[512];
	/* keep_alive: one process for all alerts; otherwise one per alert */
	snprintf(cmd, sizeof(cmd),
	         "while IFS= read -r l; do printf '%%s %%s\\n' \"$$\" \"$l\"; done >> %s", out);
	free(c.out.program_program);
	c.out.program_program = strdup(cmd);
	char err[CONFIG_ERR_MAX];
	struct outputs *o = outputs_new(&c.out, err, sizeof(err));
	cr_assert_not_null(o, "%s", err);
	struct alert a = hostile_alert();
	for (int i = 0; i < 3; i++)
		outputs_emit(o, &a);
	outputs_free(o);
	char *text = read_all(out);
	cr_assert_not_null(text);
	cr_expect_eq(count_char(text, '\n'), 3, "%s", text);
	cr_expect(strstr(text, "A shell was spawned (cmdline=" HOSTILE_ESCAPED ")\n") != NULL, "%s",
	          text);
	/* count the distinct shell pids that printed the lines */
	char pids[3][32];
	const char *p = text;
	for (int i = 0; i < 3; i++) {
		sscanf(p, "%31s", pids[i]);
		p = strchr(p, '\n') + 1;
	}
	int distinct = 1 + (strcmp(pids[1], pids[0]) != 0) +
	               (strcmp(pids[2], pids[0]) != 0 && strcmp(pids[2], pids[1]) != 0);
	cr_expect_eq(distinct, keep_alive ? 1 : 3, "pids %s %s %s", pids[0], pids[1], pids[2]);
	config_free(&c);
}

Test(output, program_output_keep_alive_feeds_one_process)
{
	program_test(1);
}

Test(output, program_output_without_keep_alive_runs_per_alert)
{
	program_test(0);
}

Test(output, program_that_exits_is_restarted_and_errors_counted)
{
	struct kestrel_config c;
	quiet_config(&c);
	c.out.program_enabled = 1;
	c.out.program_keep_alive = 1;
	free(c.out.program_program);
	c.out.program_program = strdup("exit 0");
	char err[CONFIG_ERR_MAX];
	struct outputs *o = outputs_new(&c.out, err, sizeof(err));
	cr_assert_not_null(o, "%s", err);
	struct alert a = hostile_alert();
	/* the daemon survives writing to a dead program (SIGPIPE ignored); the
	 * first writes may still fit the pipe before the shell has exited */
	struct outputs_stats st;
	int n = 0;
	do {
		outputs_emit(o, &a);
		n++;
		usleep(20000);
		outputs_stats(o, &st);
	} while (st.write_errors == 0 && n < 250);
	cr_expect_eq(st.alerts, (uint64_t)n);
	cr_expect_geq(st.write_errors, 1);
	outputs_free(o);
	config_free(&c);
}

static uint64_t fake_now;
static uint64_t fake_clock(void *arg)
{
	(void)arg;
	return fake_now;
}

Test(output, rate_limit_suppresses_counts_and_reports_by_rule)
{
	struct kestrel_config c;
	quiet_config(&c);
	c.out.file_enabled = 1;
	c.out.rate = 1;
	c.out.max_burst = 2;
	struct outputs *o = file_outputs(&c, "limited.txt");
	fake_now = 1000 * SEC;
	outputs_set_clock(o, fake_clock, NULL);
	struct alert a = hostile_alert();
	for (int i = 0; i < 5; i++)
		outputs_emit(o, &a);
	a.rule = "Other\nrule";
	outputs_emit(o, &a);
	struct outputs_stats st;
	outputs_stats(o, &st);
	cr_expect_eq(st.alerts, 6);
	cr_expect_eq(st.emitted, 2);
	cr_expect_eq(st.suppressed, 4);
	char *text = read_all(c.out.file_filename);
	cr_expect_eq(count_char(text, '\n'), 2, "nothing reported before the interval: %s", text);
	fake_now += OUTPUT_SUPPRESS_REPORT_SEC * SEC;
	outputs_tick(o);
	text = read_all(c.out.file_filename);
	cr_expect_eq(count_char(text, '\n'), 3, "%s", text);
	cr_expect(
	    strstr(text,
	           ": Warning 4 alerts suppressed by the rate limit (outputs.rate=1/s, "
	           "outputs.max_burst=2) in the last 10s, highest suppressed priority "
	           "Warning: rule 'Terminal shell in container' 3, rule 'Other\\\\nrule' 1\n") !=
	        NULL,
	    "%s", text);
	/* reported once: another tick adds nothing */
	fake_now += OUTPUT_SUPPRESS_REPORT_SEC * SEC;
	outputs_tick(o);
	cr_expect_eq(count_char(read_all(c.out.file_filename), '\n'), 3);
	outputs_free(o);
	config_free(&c);
}

Test(output, pending_suppressions_are_reported_at_exit)
{
	struct kestrel_config c;
	quiet_config(&c);
	c.out.file_enabled = 1;
	c.out.json_output = 1;
	c.out.rate = 1;
	c.out.max_burst = 1;
	struct outputs *o = file_outputs(&c, "exit.json");
	fake_now = 5 * SEC;
	outputs_set_clock(o, fake_clock, NULL);
	struct alert a = hostile_alert();
	outputs_emit(o, &a);
	outputs_emit(o, &a);
	outputs_free(o);
	char *text = read_all(c.out.file_filename);
	cr_assert_eq(count_char(text, '\n'), 2, "%s", text);
	char *second = strchr(text, '\n') + 1;
	json_error_t e;
	json_t *j = json_loads(second, JSON_DISABLE_EOF_CHECK, &e);
	cr_assert_not_null(j, "%s", e.text);
	cr_expect_str_eq(json_string_value(json_object_get(j, "rule")), OUTPUT_SUPPRESSED_RULE);
	cr_expect_str_eq(json_string_value(json_object_get(j, "source")), "internal");
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(j, "output_fields"),
	                                                "kestrel.suppressed")),
	             1);
	json_decref(j);
	config_free(&c);
}

/* ---- issue 17: hostile output ---- */

/* Issue 17 item 11: jansson passed C1 controls, DEL, bidi overrides and
 * line separators through raw. */
Test(format, json_escapes_c1_del_bidi_and_line_separators)
{
	static const struct alert_field f[] = {
	    {.name = "proc.cmdline",
	     .type = AV_STRING,
	     .str = "a\xc2\x9b"
	            "31m b\x7f c\xe2\x80\xae d\xe2\x80\xa8 e\xe2\x80\xa9 f\xc2\x85 g\xc3\xa9"},
	};
	struct alert a = hostile_alert();
	a.output = f[0].str;
	a.fields = f;
	a.nfields = 1;
	struct output_json_opts opts = {.hostname = "h", .include_output_fields = 1};
	struct buf b = {0}, tmp = {0};
	cr_assert_eq(output_format_json(&b, &tmp, &a, &opts), 0);
	for (const unsigned char *p = (const unsigned char *)b.p; *p; p++) {
		cr_expect(*p != 0x7f, "raw DEL in %s", b.p);
		if (*p == 0xc2)
			cr_expect(p[1] > 0x9f, "raw C1 control in %s", b.p);
		if (*p == 0xe2 && p[1] == 0x80)
			cr_expect(p[2] < 0xa8 || p[2] > 0xae, "raw U+2028-U+202E in %s", b.p);
	}
	const char *want[] = {"a\\u009B31m", "b\\u007F", "c\\u202E", "d\\u2028",
	                      "e\\u2029",    "f\\u0085", "g\xc3\xa9"};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_expect(strstr(b.p, want[i]) != NULL, "%s not in %s", want[i], b.p);
	json_error_t e;
	json_t *j = json_loads(b.p, 0, &e);
	cr_assert_not_null(j, "%s", e.text);
	cr_expect_str_eq(
	    json_string_value(json_object_get(json_object_get(j, "output_fields"), "proc.cmdline")),
	    f[0].str);
	json_decref(j);
	buf_free(&b);
	buf_free(&tmp);
}

/* Issue 17 item 12: an argument could forge key=value pairs in text lines. */
Test(format, text_escapes_spaces_of_values_that_forge_key_value_pairs)
{
	static const struct alert_field f[] = {
	    {.name = "proc.cmdline",
	     .type = AV_STRING,
	     .str = "x user=root container=host) container_id=host"},
	    {.name = "user.name", .type = AV_STRING, .str = "alice"},
	    {.name = "proc.name", .type = AV_STRING, .str = "cat file with spaces"},
	};
	struct alert a = hostile_alert();
	a.output = "Shell (user=alice cmdline=x user=root container=host) container_id=host "
	           "name=cat file with spaces)";
	a.fields = f;
	a.nfields = 3;
	struct buf b = {0};
	cr_assert_eq(output_format_text(&b, &a, 1), 0);
	cr_expect(strstr(b.p, "Shell (user=alice cmdline=x\\x20user=root\\x20container=host)"
	                      "\\x20container_id=host name=cat file with spaces)") != NULL,
	          "%s", b.p);
	buf_free(&b);
}

#define HUGE_ARG 110000
static char *huge_arg(char c)
{
	char *s = malloc(HUGE_ARG + 1);
	memset(s, c, HUGE_ARG);
	s[HUGE_ARG] = '\0';
	return s;
}

/* Issue 17 item 2: rendered fields and lines are capped with a marker. */
Test(format, long_output_and_fields_are_truncated_with_a_visible_marker)
{
	char *x = huge_arg('x'), *y = huge_arg('y');
	char *cmd = malloc(2 * HUGE_ARG + 16);
	sprintf(cmd, "sh %s %s", x, y);
	struct alert_field f[] = {{.name = "proc.cmdline", .type = AV_STRING, .str = cmd}};
	char *out = malloc(2 * HUGE_ARG + 64);
	sprintf(out, "nc (cmdline=%s)", cmd);
	struct alert a = hostile_alert();
	a.output = out;
	a.fields = f;
	a.nfields = 1;
	struct buf b = {0}, tmp = {0};
	cr_assert_eq(output_format_text(&b, &a, 1), 1, "not reported as truncated");
	cr_expect_leq(b.len, (size_t)OUTPUT_LINE_MAX, "%zu", b.len);
	cr_expect(strstr(b.p, "\xe2\x80\xa6[truncated ") != NULL);
	buf_reset(&b);
	struct output_json_opts opts = {
	    .hostname = "h", .include_output = 1, .include_output_fields = 1};
	cr_assert_eq(output_format_json(&b, &tmp, &a, &opts), 1, "not reported as truncated");
	json_error_t e;
	json_t *j = json_loads(b.p, 0, &e);
	cr_assert_not_null(j, "%s", e.text);
	const char *v =
	    json_string_value(json_object_get(json_object_get(j, "output_fields"), "proc.cmdline"));
	cr_assert_not_null(v);
	char marker[64];
	snprintf(marker, sizeof(marker), "\xe2\x80\xa6[truncated %zu bytes]",
	         strlen(cmd) - OUTPUT_FIELD_MAX);
	cr_expect_eq(strlen(v), OUTPUT_FIELD_MAX + strlen(marker));
	cr_expect(strstr(v, marker) != NULL, "%s", v + OUTPUT_FIELD_MAX);
	json_t *lens = json_object_get(j, "output_fields_length");
	cr_expect_eq(json_integer_value(json_object_get(lens, "proc.cmdline")),
	             (json_int_t)strlen(cmd));
	cr_expect_leq(strlen(json_string_value(json_object_get(j, "output"))),
	              (size_t)OUTPUT_LINE_MAX);
	json_decref(j);
	buf_free(&b);
	buf_free(&tmp);
	free(x);
	free(y);
	free(cmd);
	free(out);
}

/* Issue 17 item 6: a flood of Warnings used the only bucket, so the next
 * Critical alert's text was never emitted. */
Test(output, warning_flood_does_not_suppress_a_critical_alert)
{
	struct kestrel_config c;
	quiet_config(&c);
	c.out.file_enabled = 1;
	c.out.rate = 1;
	c.out.max_burst = 5;
	struct outputs *o = file_outputs(&c, "flood.txt");
	fake_now = 1000 * SEC;
	outputs_set_clock(o, fake_clock, NULL);
	struct alert a = hostile_alert();
	a.output = "noise";
	for (int i = 0; i < 1000; i++)
		outputs_emit(o, &a);
	a.priority = PRI_CRITICAL;
	a.rule = "Critical rule";
	a.output = "the critical one";
	outputs_emit(o, &a);
	char *text = read_all(c.out.file_filename);
	cr_expect(strstr(text, ": Critical the critical one\n") != NULL, "%s", text);
	/* a flood of Criticals is limited too, and the summary says so */
	for (int i = 0; i < 20; i++)
		outputs_emit(o, &a);
	fake_now += OUTPUT_SUPPRESS_REPORT_SEC * SEC;
	outputs_tick(o);
	text = read_all(c.out.file_filename);
	cr_expect(strstr(text, ": Critical 1011 alerts suppressed by the rate limit") != NULL, "%s",
	          text);
	cr_expect(strstr(text, "highest suppressed priority Critical") != NULL, "%s", text);
	outputs_free(o);
	config_free(&c);
}

/* Issue 14 item 5: without keep_alive the file was opened and closed per
 * alert; now one descriptor is kept and rotation is noticed within 1 s. */
Test(output, file_without_keep_alive_keeps_one_descriptor_and_follows_rotation)
{
	struct kestrel_config c;
	quiet_config(&c);
	c.out.file_enabled = 1;
	c.out.file_keep_alive = 0;
	struct outputs *o = file_outputs(&c, "perf.txt");
	struct alert a = hostile_alert();
	a.output = "first";
	outputs_emit(o, &a);
	/* the file stays open between alerts */
	int open_fds = 0;
	char fdp[64], target[PATH_MAX];
	for (int fd = 0; fd < 1024; fd++) {
		snprintf(fdp, sizeof(fdp), "/proc/self/fd/%d", fd);
		ssize_t n = readlink(fdp, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = '\0';
			open_fds += strcmp(target, c.out.file_filename) == 0;
		}
	}
	cr_expect_eq(open_fds, 1, "the file is not kept open between alerts");
	char *rotated = strdup(tmp_path("perf.txt.1"));
	cr_assert_eq(rename(c.out.file_filename, rotated), 0);
	usleep(1100 * 1000);
	a.output = "second";
	outputs_emit(o, &a);
	cr_assert_eq(rename(c.out.file_filename, tmp_path("perf.txt.2")), 0);
	usleep(1100 * 1000);
	outputs_tick(o);
	a.output = "third";
	outputs_emit(o, &a);
	outputs_reopen(o); /* SIGHUP still works */
	a.output = "fourth";
	outputs_emit(o, &a);
	outputs_free(o);
	cr_expect(strstr(read_all(rotated), "first") != NULL);
	cr_expect_null(strstr(read_all(rotated), "second"));
	cr_expect(strstr(read_all(tmp_path("perf.txt.2")), "second") != NULL);
	char *now = read_all(c.out.file_filename);
	cr_expect(strstr(now, "Warning third\n") && strstr(now, "Warning fourth\n"), "%s", now);
	free(rotated);
	config_free(&c);
}

/* Issue 17 item 10: a program that stops reading stalled the event loop. */
Test(output, program_that_never_reads_does_not_stall_emit, .timeout = 30)
{
	struct kestrel_config c;
	quiet_config(&c);
	c.out.program_enabled = 1;
	c.out.program_keep_alive = 1;
	free(c.out.program_program);
	c.out.program_program = strdup("exec sleep 60");
	char err[CONFIG_ERR_MAX];
	struct outputs *o = outputs_new(&c.out, err, sizeof(err));
	cr_assert_not_null(o, "%s", err);
	char *big = huge_arg('z');
	struct alert a = hostile_alert();
	big[60000] = '\0';
	a.output = big;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 400; i++) /* 24 MB: more than a pipe and the queue hold */
		outputs_emit(o, &a);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	cr_expect_lt(ms, 1000.0, "emit blocked for %.0f ms", ms);
	struct outputs_stats st;
	outputs_stats(o, &st);
	cr_expect_gt(st.program_dropped, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	outputs_free(o);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	cr_expect_lt(ms, OUTPUT_DRAIN_MS + 1500.0, "shutdown took %.0f ms", ms);
	free(big);
	config_free(&c);
}

/* Issue 17 item 10: the program kept kestrel's capabilities. */
Test(output, program_runs_without_capabilities)
{
	if (geteuid() != 0)
		cr_skip_test("program_runs_without_capabilities: needs root to hold capabilities");
	struct kestrel_config c;
	quiet_config(&c);
	c.out.program_enabled = 1;
	c.out.program_keep_alive = 0;
	char *out = tmp_path("caps.txt");
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "cat >/dev/null; grep ^Cap /proc/self/status > %s", out);
	free(c.out.program_program);
	c.out.program_program = strdup(cmd);
	char err[CONFIG_ERR_MAX];
	struct outputs *o = outputs_new(&c.out, err, sizeof(err));
	cr_assert_not_null(o, "%s", err);
	struct alert a = hostile_alert();
	outputs_emit(o, &a);
	outputs_free(o);
	char *text = read_all(out);
	cr_assert_not_null(text);
	cr_expect(strstr(text, "CapEff:\t0000000000000000\n") != NULL, "%s", text);
	cr_expect(strstr(text, "CapPrm:\t0000000000000000\n") != NULL, "%s", text);
	cr_expect(strstr(text, "CapBnd:\t0000000000000000\n") != NULL, "%s", text);
	config_free(&c);
}
