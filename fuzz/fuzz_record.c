/*
 * fuzz_record.c — fuzz target for the audit spine: record parser,
 * assembler and normalizer (pipeline_feed), followed by what the daemon does
 * with each event (process table, default rules, alert text and JSON).
 * Input: lines of an audit log (replay mode, type from the text); or, when
 * the first line is "N", netlink messages "TYPE audit(...): ..." fed with
 * their numeric type in live mode with a clock that advances per line.
 * libFuzzer entry with -DKESTREL_LIBFUZZER; otherwise a plain driver.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/pipeline.h"
#include "fuzz_common.h"

/* The rules evaluated on every event (override with KESTREL_FUZZ_RULES). */
#define FUZZ_RULES_DEFAULT KESTREL_SRCDIR "/rules/kestrel_rules.yaml"
/* Live mode: wall-clock milliseconds that pass per line, and how often the
 * expiry timer runs (in lines), so timeouts happen within one input. */
#define FUZZ_MS_PER_LINE 150
#define FUZZ_TIMER_LINES 8
/* Largest netlink type accepted from the text (AUDIT_LAST_USER_MSG2 is 2999). */
#define FUZZ_TYPE_MAX 65535

struct fuzz_record_ctx {
	struct engine *e;
	struct proc_table *pt;
	size_t input_len;
};

static struct engine *fuzz_engine;
static int fuzz_engine_tried;

static struct engine *fuzz_rules(void)
{
	const char *path = getenv("KESTREL_FUZZ_RULES");
	struct engine_diag *d;

	if (fuzz_engine_tried)
		return fuzz_engine;
	fuzz_engine_tried = 1;
	fuzz_quiet();
	fuzz_strict_lines = 1;
	if (!path)
		path = FUZZ_RULES_DEFAULT;
	fuzz_engine = engine_new();
	d = engine_diag_new();
	if (fuzz_engine && d && engine_load(fuzz_engine, &path, 1, d) < 0) {
		fprintf(stderr, "fuzz_record: %s did not load; fuzzing without rules\n", path);
		engine_diag_print(d, stderr);
		engine_free(fuzz_engine);
		fuzz_engine = NULL;
	}
	engine_diag_free(d);
	return fuzz_engine;
}

static void fuzz_record_event(struct kevent *ev, void *arg)
{
	struct fuzz_record_ctx *c = arg;

	fuzz_consume_event(ev, c->e, c->pt, c->input_len);
}

/* "1300 audit(...): ..." -> type 1300 and the text after the space; 0 when
 * the line has no number (then it is fed as a log line). */
static int fuzz_split_type(const char **s, size_t *n)
{
	size_t i = 0;
	long type = 0;

	while (i < *n && (*s)[i] >= '0' && (*s)[i] <= '9' && type <= FUZZ_TYPE_MAX)
		type = type * 10 + ((*s)[i++] - '0');
	if (i == 0 || type > FUZZ_TYPE_MAX || i >= *n || (*s)[i] != ' ')
		return 0;
	*s += i + 1;
	*n -= i + 1;
	return (int)type;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_record_ctx c = {fuzz_rules(), proc_table_new(PROC_TABLE_REPLAY), size};
	const char *s = (const char *)data, *end = s + size;
	int live = size >= 2 && s[0] == 'N' && s[1] == '\n';
	unsigned long lineno = 0;
	struct pipeline p;

	if (!c.pt)
		return 0;
	if (pipeline_init(&p, live ? ASM_LIVE : ASM_REPLAY, fuzz_record_event, &c) < 0) {
		proc_table_free(c.pt);
		return 0;
	}
	if (live)
		s += 2;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *line = s;
		size_t n = (size_t)((nl ? nl : end) - s);
		int type = 0;

		lineno++;
		s = nl ? nl + 1 : end;
		if (n == 0)
			continue;
		if (live) {
			uint64_t now = (uint64_t)lineno * FUZZ_MS_PER_LINE;
			type = fuzz_split_type(&line, &n);
			pipeline_feed(&p, type, line, n, now, "netlink", 0);
			if (lineno % FUZZ_TIMER_LINES == 0)
				asm_flush_expired(p.asm_, now);
		} else {
			pipeline_feed(&p, 0, line, n, 0, "fuzz", lineno);
		}
	}
	pipeline_flush(&p);
	pipeline_fini(&p);
	proc_table_free(c.pt);
	return 0;
}

#ifndef KESTREL_LIBFUZZER
int main(int argc, char **argv)
{
	int rc;

	fuzz_rules();
	rc = fuzz_run_files(argc, argv);
	engine_free(fuzz_engine);
	fuzz_common_cleanup();
	return rc;
}
#endif
