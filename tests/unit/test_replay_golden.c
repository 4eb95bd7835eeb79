/*
 * test_replay_golden.c — events and alerts stay byte-identical: every
 * fixture listed in tests/fixtures/golden/MANIFEST is replayed by the
 * built ./kestrel with --print-events, with kestrel's default rules and
 * with the upstream Falco rules, and each output is compared with the file
 * regen.sh wrote from the binary before the parser/normalizer rewrite. A
 * difference is a changed event or alert: intended changes regenerate the
 * files (and say so), anything else is a bug.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

/* Largest expected output of one fixture run. */
#define GOLDEN_MAX_OUTPUT (4u << 20)

static const char *srcdir(void)
{
	const char *s = getenv("KESTREL_SRCDIR");
	return s && *s ? s : KESTREL_SRCDIR;
}

static char *slurp(FILE *f, size_t *len)
{
	char *p = malloc(GOLDEN_MAX_OUTPUT);
	cr_assert_not_null(p);
	*len = fread(p, 1, GOLDEN_MAX_OUTPUT, f);
	return p;
}

/* Runs one kestrel command and compares its stdout with the expected file. */
static int compare(const char *cmd, const char *expected_path)
{
	FILE *e = fopen(expected_path, "r");
	cr_assert_not_null(e, "%s missing: run tests/fixtures/golden/regen.sh", expected_path);
	FILE *k = popen(cmd, "r");
	cr_assert_not_null(k, "%s", cmd);
	size_t glen, wlen;
	char *got = slurp(k, &glen), *want = slurp(e, &wlen);
	pclose(k);
	fclose(e);
	int same = glen == wlen && memcmp(got, want, glen) == 0;
	if (!same)
		cr_log_error("differs from %s: %s", expected_path, cmd);
	free(got);
	free(want);
	return same;
}

/* The kestrel under test: $KESTREL_BUILDDIR/kestrel (make check and
 * tools/valgrind-check set it), else ./kestrel. */
static const char *kestrel_bin(void)
{
	static char path[4096];
	const char *b = getenv("KESTREL_BUILDDIR");
	snprintf(path, sizeof(path), "%s/kestrel", b && *b ? b : ".");
	return path;
}

/* The upstream rules the ".upstream" files were made with (shared). */
#define UPSTREAM_RULES "fixtures/falco/falco_rules.yaml"

/* Replays each fixture of the manifest under `prefix` (repository or
 * shared); returns how many fixtures were compared. */
static int run_manifest(const char *prefix, int *bad)
{
	char path[4096], line[4096];
	snprintf(path, sizeof(path), "%s/tests/fixtures/golden/MANIFEST", srcdir());
	FILE *m = fopen(path, "r");
	cr_assert_not_null(m, "%s", path);
	int n = 0;
	cr_assert_eq(access(kestrel_bin(), X_OK), 0, "%s: not built", kestrel_bin());
	while (fgets(line, sizeof(line), m)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "fixture ", 8) != 0 || strncmp(line + 8, prefix, strlen(prefix)))
			continue;
		const char *rel = line + 8;
		char fix[8300], base[4096], exp[8400], cmd[32768];
		snprintf(fix, sizeof(fix), "%s/%s", srcdir(), rel);
		if (access(fix, R_OK) != 0)
			continue;
		snprintf(base, sizeof(base), "%s", strncmp(rel, "../", 3) ? rel : rel + 3);
		for (char *c = base; *c; c++)
			if (*c == '/')
				*c = '+';
		static const char *const modes[] = {"events", "alerts", "upstream"};
		for (size_t i = 0; i < 3; i++) {
			char opt[4400];
			if (i == 0)
				snprintf(
				    opt, sizeof(opt),
				    "-r '%s/tests/fixtures/golden/no-rules.yaml' --print-events",
				    srcdir());
			else if (i == 1)
				snprintf(opt, sizeof(opt), "-r '%s/rules/kestrel_rules.yaml'",
				         srcdir());
			else if (tu_shared_has(UPSTREAM_RULES)) {
				char up[4096];
				snprintf(opt, sizeof(opt), "-r '%s'",
				         tu_sharedpath(up, sizeof(up), UPSTREAM_RULES));
			} else
				continue; /* the file's exit status says SKIP (main) */
			snprintf(exp, sizeof(exp), "%s/tests/fixtures/golden/%s.%s", srcdir(), base,
			         modes[i]);
			if (i == 2 && access(exp, R_OK) != 0)
				continue;
			snprintf(cmd, sizeof(cmd),
			         "TZ=UTC '%s' -c /dev/null --replay '%s' %s 2>/dev/null", kestrel_bin(), fix,
			         opt);
			*bad += !compare(cmd, exp);
		}
		n++;
	}
	fclose(m);
	return n;
}

Test(replay_golden, repository_fixtures_give_the_same_events_and_alerts)
{
	int bad = 0;
	int n = run_manifest("tests/", &bad);
	cr_assert_gt(n, 50, "only %d fixtures found", n);
	cr_assert_eq(bad, 0, "%d outputs differ", bad);
}

Test(replay_golden, shared_fixtures_give_the_same_events_and_alerts)
{
	int bad = 0;
	int n = run_manifest("../shared/", &bad);
	if (n == 0)
		cr_skip_test("shared fixtures missing");
	cr_assert_eq(bad, 0, "%d outputs differ", bad);
}

/* Without the shared upstream rules the ".upstream" comparisons are left
 * out and a passing run is reported as SKIP, never as a full PASS. */
TU_MAIN_PARTLY_SHARED(UPSTREAM_RULES)
