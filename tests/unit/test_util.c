/*
 * test_util.c — the shared helpers in src/util: the growable buffer, the
 * clocks, bounded small-file reads, the priority table, the two time
 * formats and the libyaml helpers.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/file.h"
#include "util/hugeheap.h"
#include "util/priority.h"
#include "util/timefmt.h"
#include "util/yamlutil.h"
#include "testutil.h"

Test(buf, appends_and_stays_nul_terminated)
{
	struct buf b = {0};

	cr_assert_str_eq(buf_str(&b), "");
	cr_assert_eq(buf_puts(&b, "ab"), 0);
	cr_assert_eq(buf_putc(&b, 'c'), 0);
	cr_assert_eq(buf_printf(&b, "-%d-", 42), 0);
	cr_assert_eq(buf_append(&b, "xyz", 2), 0);
	cr_assert_str_eq(b.p, "abc-42-xy");
	cr_assert_eq(b.len, 9);
	buf_free(&b);
}

Test(buf, grows_past_many_doublings_and_reset_keeps_memory)
{
	struct buf b = {0};
	char big[5000];

	memset(big, 'q', sizeof(big));
	cr_assert_eq(buf_append(&b, big, sizeof(big)), 0);
	cr_assert_eq(b.len, sizeof(big));
	cr_assert_eq(b.p[b.len], '\0');
	cr_assert_geq(b.cap, sizeof(big) + 1);
	size_t cap = b.cap;
	buf_reset(&b);
	cr_assert_eq(b.len, 0);
	cr_assert_str_eq(buf_str(&b), "");
	cr_assert_eq(b.cap, cap);
	cr_assert_eq(buf_set(&b, "new", 3), 0);
	cr_assert_str_eq(b.p, "new");
	buf_free(&b);
	cr_assert_null(b.p);
}

Test(buf, refuses_an_overflowing_reserve_unchanged)
{
	struct buf b = {0};

	cr_assert_eq(buf_puts(&b, "keep"), 0);
	cr_assert_eq(buf_reserve(&b, SIZE_MAX - 2), -1);
	cr_assert_str_eq(b.p, "keep");
	buf_free(&b);
}

Test(buf, grow_array_doubles_and_refuses_overflow)
{
	int *a = NULL;
	size_t cap = 0;

	cr_assert_eq(buf_grow_array((void **)&a, &cap, 1, sizeof(*a)), 0);
	cr_assert_eq(cap, 16);
	cr_assert_eq(buf_grow_array((void **)&a, &cap, 17, sizeof(*a)), 0);
	cr_assert_eq(cap, 32);
	a[31] = 7;
	cr_assert_eq(buf_grow_array((void **)&a, &cap, SIZE_MAX / 2 + 2, sizeof(*a)), -1);
	cr_assert_eq(cap, 32);
	cr_assert_eq(a[31], 7);
	free(a);
}

Test(clock, monotonic_never_goes_back_and_realtime_is_the_epoch)
{
	uint64_t a = clock_monotonic_ns(), b = clock_monotonic_ns();

	cr_assert_geq(b, a);
	cr_assert_leq(clock_monotonic_ms() - a / CLOCK_NS_PER_MS, 1000);
	/* 2020-01-01 in ns: any realtime clock of a test machine is past it */
	cr_assert_gt(clock_realtime_ns(), 1577836800ULL * CLOCK_NS_PER_SEC);
	uint64_t ms = clock_realtime_ms(), ns = clock_realtime_ns();
	cr_assert_leq(ms, ns / CLOCK_NS_PER_MS);
	cr_assert_lt(ns / CLOCK_NS_PER_MS - ms, 1000);
}

static char dir[64];

static void mkdir_tmp(void)
{
	tu_mkdtemp(dir, sizeof(dir));
}

static void rm_tmp(void)
{
	tu_rmtree(dir);
}

TestSuite(file, .init = mkdir_tmp, .fini = rm_tmp);

Test(file, reads_a_small_file_whole)
{
	char path[128], err[256];
	size_t len = 99;

	snprintf(path, sizeof(path), "%s/f", dir);
	tu_write_file(path, "hello\n");
	char *s = file_read_small(AT_FDCWD, path, 64, 0, &len, err, sizeof(err));
	cr_assert_not_null(s, "%s", err);
	cr_assert_str_eq(s, "hello\n");
	cr_assert_eq(len, 6);
	free(s);
}

Test(file, refuses_a_file_past_the_bound_unless_truncating)
{
	char path[128], err[256];
	size_t len;

	snprintf(path, sizeof(path), "%s/f", dir);
	tu_write_file(path, "0123456789");
	char *s = file_read_small(AT_FDCWD, path, 10, 0, &len, err, sizeof(err));
	cr_assert_not_null(s, "exactly the bound is accepted: %s", err);
	free(s);
	cr_assert_null(file_read_small(AT_FDCWD, path, 9, 0, &len, err, sizeof(err)));
	cr_assert_eq(errno, EFBIG);
	cr_assert(strstr(err, path) != NULL, "the error names the file: %s", err);
	s = file_read_small(AT_FDCWD, path, 4, FILE_TRUNCATE, &len, err, sizeof(err));
	cr_assert_str_eq(s, "0123");
	cr_assert_eq(len, 4);
	free(s);
}

Test(file, refuses_a_fifo_without_blocking_and_a_directory)
{
	char path[128], err[256];
	size_t len;

	snprintf(path, sizeof(path), "%s/fifo", dir);
	cr_assert_eq(mkfifo(path, 0600), 0);
	/* without O_NONBLOCK this open would hang: no writer ever comes */
	cr_assert_null(file_read_small(AT_FDCWD, path, 64, 0, &len, err, sizeof(err)));
	cr_assert(strstr(err, "not a regular file") != NULL, "%s", err);
	cr_assert_null(file_read_small(AT_FDCWD, dir, 64, 0, &len, err, sizeof(err)));
	cr_assert(strstr(err, "not a regular file") != NULL, "%s", err);
}

Test(file, nofollow_refuses_a_symlink)
{
	char path[128], link[128], err[256];
	size_t len;

	snprintf(path, sizeof(path), "%s/f", dir);
	snprintf(link, sizeof(link), "%s/l", dir);
	tu_write_file(path, "x");
	cr_assert_eq(symlink(path, link), 0);
	char *s = file_read_small(AT_FDCWD, link, 64, 0, &len, err, sizeof(err));
	cr_assert_not_null(s);
	free(s);
	cr_assert_null(file_read_small(AT_FDCWD, link, 64, FILE_NOFOLLOW, &len, err, sizeof(err)));
}

Test(file, reads_proc_files_whose_size_is_zero)
{
	char err[256];
	size_t len;
	char *s = file_read_small(AT_FDCWD, "/proc/self/stat", 4096, 0, &len, err, sizeof(err));

	cr_assert_not_null(s, "%s", err);
	cr_assert_gt(len, 0);
	free(s);
}

Test(file, open_regular_closes_on_exec_and_reports_missing_files)
{
	char path[128], err[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/f", dir);
	tu_write_file(path, "abc");
	int fd = file_open_regular(AT_FDCWD, path, FILE_TRUSTED_OWNER, &st, err, sizeof(err));
	cr_assert_geq(fd, 0, "%s", err);
	cr_assert_eq(st.st_size, 3);
	cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	snprintf(path, sizeof(path), "%s/missing", dir);
	cr_assert_eq(file_open_regular(AT_FDCWD, path, 0, NULL, err, sizeof(err)), -1);
	cr_assert_eq(errno, ENOENT);
	cr_assert(strstr(err, "missing") != NULL, "%s", err);
}

Test(priority, names_round_trip_in_falco_spelling)
{
	static const char *const want[] = {"Emergency", "Alert",  "Critical",      "Error",
	                                   "Warning",   "Notice", "Informational", "Debug"};

	for (int i = 0; i < PRIORITY_COUNT; i++) {
		cr_assert_str_eq(priority_to_name(i), want[i]);
		cr_assert_eq(priority_from_name(want[i]), i);
	}
	cr_assert_str_eq(priority_to_name(-1), "Unknown");
	cr_assert_str_eq(priority_to_name(PRIORITY_COUNT), "Unknown");
}

Test(priority, parses_any_case_and_info_but_nothing_else)
{
	cr_assert_eq(priority_from_name("WARNING"), 4);
	cr_assert_eq(priority_from_name("critical"), 2);
	cr_assert_eq(priority_from_name("info"), PRIORITY_INFORMATIONAL);
	cr_assert_eq(priority_from_name("INFO"), PRIORITY_INFORMATIONAL);
	cr_assert_eq(priority_from_name("warn"), -1);
	cr_assert_eq(priority_from_name(""), -1);
	cr_assert_eq(priority_from_name(NULL), -1);
}

/* 2021-03-04 05:06:07.000000089 UTC */
#define SAMPLE_NS (1614834367ULL * 1000000000ULL + 89)

Test(timefmt, iso8601_is_utc_with_nanoseconds)
{
	char b[TIMEFMT_MAX];

	cr_assert_eq(timefmt_iso8601(b, sizeof(b), SAMPLE_NS), 30);
	cr_assert_str_eq(b, "2021-03-04T05:06:07.000000089Z");
	timefmt_event(b, sizeof(b), SAMPLE_NS, 1);
	cr_assert_str_eq(b, "2021-03-04T05:06:07.000000089Z");
}

Test(timefmt, text_time_is_local_wall_clock)
{
	char b[TIMEFMT_MAX];

	/* a zone 5 hours 30 minutes east of UTC moves the clock, not the ns */
	setenv("TZ", "IST-5:30", 1);
	tzset();
	cr_assert_eq(timefmt_local(b, sizeof(b), SAMPLE_NS), 18);
	cr_assert_str_eq(b, "10:36:07.000000089");
	timefmt_event(b, sizeof(b), SAMPLE_NS, 0);
	cr_assert_str_eq(b, "10:36:07.000000089");
	setenv("TZ", "UTC0", 1);
	tzset();
	timefmt_local(b, sizeof(b), SAMPLE_NS);
	cr_assert_str_eq(b, "05:06:07.000000089");
}

Test(timefmt, truncates_to_the_buffer)
{
	char b[6];

	cr_assert_eq(timefmt_iso8601(b, sizeof(b), SAMPLE_NS), 5);
	cr_assert_str_eq(b, "2021-");
}

static yaml_node_t *load(yaml_document_t *doc, const char *text)
{
	yaml_parser_t p;

	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, strlen(text));
	cr_assert(yaml_parser_load(&p, doc));
	yaml_parser_delete(&p);
	return yaml_document_get_root_node(doc);
}

Test(yamlutil, map_lookup_scalars_and_nulls)
{
	yaml_document_t doc;
	yaml_node_t *root = load(&doc, "a: 1\nb: ~\nc: 'null'\nd: [x]\na: 2\ne:\n");

	cr_assert_str_eq(yamlu_scalar(yamlu_map_get(&doc, root, "a")), "1");
	cr_assert(yamlu_is_null(yamlu_map_get(&doc, root, "b")));
	cr_assert_not(yamlu_is_null(yamlu_map_get(&doc, root, "c")), "quoted null is a string");
	cr_assert(yamlu_is_null(yamlu_map_get(&doc, root, "e")));
	cr_assert_null(yamlu_scalar(yamlu_map_get(&doc, root, "d")));
	cr_assert_null(yamlu_map_get(&doc, root, "zz"));
	cr_assert_null(yamlu_map_get(&doc, yamlu_map_get(&doc, root, "d"), "x"));
	cr_assert_null(yamlu_scalar(NULL));
	yaml_document_delete(&doc);
}

Test(yamlutil, booleans_of_yaml_1_1)
{
	cr_assert_eq(yamlu_parse_bool("true"), 1);
	cr_assert_eq(yamlu_parse_bool("Yes"), 1);
	cr_assert_eq(yamlu_parse_bool("ON"), 1);
	cr_assert_eq(yamlu_parse_bool("false"), 0);
	cr_assert_eq(yamlu_parse_bool("no"), 0);
	cr_assert_eq(yamlu_parse_bool("Off"), 0);
	cr_assert_eq(yamlu_parse_bool("1"), -1);
	cr_assert_eq(yamlu_parse_bool("y"), -1);
	cr_assert_eq(yamlu_parse_bool(NULL), -1);
}

Test(file, a_file_growing_past_its_stat_size_reads_whole_up_to_the_bound)
{
	char path[128], err[256], want[10000];
	size_t len;

	/* /proc/self/environ and friends: size 0 in stat, longer than the
	 * first buffer; here a regular file read with a bound above it */
	memset(want, 'k', sizeof(want) - 1);
	want[sizeof(want) - 1] = '\0';
	snprintf(path, sizeof(path), "%s/big", dir);
	tu_write_file(path, want);
	char *s = file_read_small(AT_FDCWD, path, 20000, 0, &len, err, sizeof(err));
	cr_assert_not_null(s, "%s", err);
	cr_assert_eq(len, sizeof(want) - 1);
	cr_assert_str_eq(s, want);
	free(s);
	cr_assert_null(file_read_small(AT_FDCWD, path, 9998, 0, &len, err, sizeof(err)));
	cr_assert_eq(errno, EFBIG);
}

Test(file, read_into_uses_the_callers_buffer_and_cuts_at_its_size)
{
	char path[128], b[4];

	snprintf(path, sizeof(path), "%s/f", dir);
	tu_write_file(path, "abcdef");
	cr_assert_eq(file_read_into(AT_FDCWD, path, b, sizeof(b), 0), 4);
	cr_assert_eq(memcmp(b, "abcd", 4), 0);
	cr_assert_eq(file_read_into(AT_FDCWD, dir, b, sizeof(b), 0), -1);
	cr_assert_gt(file_read_into(AT_FDCWD, "/proc/self/cgroup", b, sizeof(b), 0), 0);
}

/* Whether the mapping of /proc/self/smaps holding addr carries the
 * VM_HUGEPAGE flag ("hg" in VmFlags): what MADV_HUGEPAGE sets, whatever
 * the kernel's THP mode and whether a huge page could be had. */
static int mapping_advised_huge(const void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int in = 0, found = -1;
	cr_assert_not_null(f);
	while (found < 0 && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' '))
			in = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
		else if (in && strncmp(line, "VmFlags:", 8) == 0)
			found = strstr(line, " hg") != NULL;
	}
	fclose(f);
	cr_assert_geq(found, 0, "no mapping holds %p", addr);
	return found;
}

/* Whether the kernel's THP mode lets madvise ask for huge pages. */
static int thp_advisable(void)
{
	char buf[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return strstr(buf, "[never]") == NULL && buf[0] != '\0';
}

/* Whether malloc is glibc's brk heap (not a sanitizer's or valgrind's). */
static int malloc_is_brk_heap(void)
{
	extern char end; /* the end of the program's data: the heap starts above */
	char *q = malloc(64);
	int in = q && q >= &end && q < (char *)sbrk(0);
	free(q);
	return in;
}

Test(hugeheap, a_small_reserve_is_refused)
{
	cr_assert_eq(hugeheap_reserve(1u << 20), 0);
	cr_assert_eq(hugeheap_reserve(0), 0);
}

/* Each Criterion test runs in a process of its own: the reserve (and the
 * malloc settings it changes) ends with it. */
Test(hugeheap, heap_growth_after_a_reserve_is_advised_huge)
{
	if (!thp_advisable())
		cr_skip_test("transparent huge pages are off in this kernel");
	if (!malloc_is_brk_heap())
		cr_skip_test("malloc is not glibc's brk heap (sanitizer or valgrind)");
	size_t got = hugeheap_reserve(16u << 20);
	cr_assert_geq(got, 8u << 20, "only %zu bytes advised", got);
	/* what a replay's process table does: many small blocks, each written */
	enum { N = 6000, SZ = 1000 };
	static char *blocks[N];
	for (int i = 0; i < N; i++) {
		blocks[i] = malloc(SZ);
		cr_assert_not_null(blocks[i]);
		memset(blocks[i], i & 0xff, SZ);
	}
	/* the first blocks may sit below the first whole huge page; the last
	 * one, 6 MB later, is in the advised part */
	cr_assert(mapping_advised_huge(blocks[N - 1]), "the heap's growth is not advised huge");
	for (int i = 0; i < N; i++)
		free(blocks[i]);
}
