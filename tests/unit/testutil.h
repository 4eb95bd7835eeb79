/*
 * testutil.h — helpers the unit tests share: where the fixtures are (the
 * repository's tests/fixtures and the peers' ../shared), temp trees, and
 * writing a small file. Include after <criterion/criterion.h>.
 *
 * KESTREL_SRCDIR (set by make check) is the source tree; KESTREL_SHARED
 * overrides the shared-fixtures directory (default $KESTREL_SRCDIR/../shared),
 * e.g. KESTREL_SHARED=/nonexistent to check that tests needing it SKIP.
 */
#ifndef KESTREL_TESTUTIL_H
#define KESTREL_TESTUTIL_H

#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Exit status the automake harness reads as SKIP. */
#define TU_EXIT_SKIP 77

static inline const char *tu_srcdir(void)
{
	const char *src = getenv("KESTREL_SRCDIR");

#ifdef KESTREL_SRCDIR
	return src && *src ? src : KESTREL_SRCDIR;
#else
	return src && *src ? src : ".";
#endif
}

/* <srcdir>/<rel>. */
static inline const char *tu_srcpath(char *buf, size_t n, const char *rel)
{
	if (snprintf(buf, n, "%s/%s", tu_srcdir(), rel) >= (int)n)
		cr_assert_fail("path too long: %s/%s", tu_srcdir(), rel);
	return buf;
}

/* The shared-fixtures directory (the peers' ../shared). */
static inline const char *tu_shared_dir(char *buf, size_t n)
{
	const char *over = getenv("KESTREL_SHARED");

	if (over && *over)
		snprintf(buf, n, "%s", over);
	else
		snprintf(buf, n, "%s/../shared", tu_srcdir());
	return buf;
}

/* <shared>/<rel>, where rel starts with "fixtures/". */
static inline const char *tu_sharedpath(char *buf, size_t n, const char *rel)
{
	char dir[4096];

	if (snprintf(buf, n, "%s/%s", tu_shared_dir(dir, sizeof(dir)), rel) >= (int)n)
		cr_assert_fail("path too long: %s/%s", dir, rel);
	return buf;
}

/* 1 when <shared>/<rel> can be read. */
static inline int tu_shared_has(const char *rel)
{
	char path[4096];

	return access(tu_sharedpath(path, sizeof(path), rel), R_OK) == 0;
}

static inline void tu_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0, "%s", path);
}

/* mkdir -p */
static inline void tu_mkdirs(const char *path)
{
	char tmp[4096];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(tmp, 0755);
			*p = '/';
		}
	}
	mkdir(tmp, 0755);
}

/* A fresh /tmp/kestrel-test-XXXXXX in buf. */
static inline void tu_mkdtemp(char *buf, size_t n)
{
	snprintf(buf, n, "/tmp/kestrel-test-XXXXXX");
	cr_assert_not_null(mkdtemp(buf), "mkdtemp");
}

static inline int tu_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* rm -rf dir (symlinks are removed, not followed). */
static inline void tu_rmtree(const char *dir)
{
	nftw(dir, tu_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* What Criterion's own main does; 0 when every test passed. */
static inline int tu_run_criterion(int argc, char *argv[])
{
	struct criterion_test_set *tests = criterion_initialize();
	int result = 0;

	if (criterion_handle_args(argc, argv, true))
		result = !criterion_run_all_tests(tests);
	criterion_finalize(tests);
	return result;
}

/*
 * The shared part of the two main()s below: runs the tests, or (requires)
 * exits 77 first without <shared>/<rel>; with !requires, a passing run that
 * lacked the fixture is reported as 77 too. 77 is SKIP to `make check`.
 */
static inline int tu_main_shared(int argc, char *argv[], const char *rel, bool requires)
{
	char path[4096];
	int rc = 0;

	if (!requires)
		rc = tu_run_criterion(argc, argv);
	if (rc == 0 && !tu_shared_has(rel)) {
		printf(requires
		           ? "SKIP: shared fixture %s missing (set KESTREL_SHARED)\n"
		           : "SKIP: the other tests passed, but shared fixture %s is missing\n",
		       tu_sharedpath(path, sizeof(path), rel));
		return TU_EXIT_SKIP;
	}
	return requires ? tu_run_criterion(argc, argv) : rc;
}

/*
 * main() for a test file whose every test needs <shared>/<rel>: without it
 * the binary exits 77, which `make check` reports as SKIP, never PASS.
 */
#define TU_MAIN_REQUIRES_SHARED(rel)                                                               \
	int main(int argc, char *argv[])                                                           \
	{                                                                                          \
		return tu_main_shared(argc, argv, rel, true);                                      \
	}

/*
 * main() for a test file where some tests need <shared>/<rel> (they call
 * cr_skip_test without it): all tests run and a failure fails the file, but
 * a file that passed without the fixture is reported as SKIP (77), so an
 * incomplete run is never counted as a full pass.
 */
#define TU_MAIN_PARTLY_SHARED(rel)                                                                 \
	int main(int argc, char *argv[])                                                           \
	{                                                                                          \
		return tu_main_shared(argc, argv, rel, false);                                     \
	}

#endif
