/*
 * test_normalize.c — the normalizer alone (src/event/normalize.c): audit log
 * lines go through the record parser and the assembler (replay mode) and
 * each assembled event through knorm_build; the tests read the struct
 * kevent it fills: syscall name and number, result, a0..a3, PATH items in
 * item order, SOCKADDR, EXECVE argv with its truncation flag, PROCTITLE.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/kevent_json.h"
#include "event/normalize.h"
#include "record/assemble.h"
#include "record/record.h"

/* What one test keeps of the events: the kevent of the last one (its
 * pointers stay valid until the next knorm_build). */
static struct knorm *norm;
static struct assembler *assembler;
static struct arec rec;
static struct kevent last;
static int nevents;
/* The last event's PROCTITLE as knorm_build left it (not yet decoded) and
 * as kevent_proctitle() gave it, called twice, inside the callback. */
static int title_was_lazy;
static int title_n1, title_n2;
static const char *const *title_w1, *const *title_w2;

static void on_event(const struct asm_event *aev, void *arg)
{
	(void)arg;
	cr_assert_eq(knorm_build(norm, aev, &last), 0, "knorm_build failed");
	title_was_lazy = last.proctitle_src != NULL && last.nproctitle == 0 && !last.proctitle;
	title_n1 = kevent_proctitle(&last, &title_w1);
	title_n2 = kevent_proctitle(&last, &title_w2);
	/* the record text goes with the assembler's slot: decode now */
	knorm_fill_lazy(&last);
	nevents++;
}

static void setup(void)
{
	norm = knorm_new();
	cr_assert_not_null(norm);
	assembler = asm_new(ASM_REPLAY, on_event, NULL);
	cr_assert_not_null(assembler);
	arec_init(&rec);
	nevents = 0;
}

static void teardown(void)
{
	asm_free(assembler);
	knorm_free(norm);
	arec_free(&rec);
}

TestSuite(normalize, .init = setup, .fini = teardown);

static void feed(const char *line)
{
	char err[256];

	cr_assert_eq(arec_parse(&rec, 0, line, strlen(line), err, sizeof(err)), 0, "%s: %s", line,
	             err);
	cr_assert_geq(asm_add(assembler, &rec, 0), 0, "%s", line);
}

/* Ends the event (PROCTITLE completes it in a log) and checks it came out. */
static const struct kevent *finish(const char *serial)
{
	char line[128];

	snprintf(line, sizeof(line), "type=PROCTITLE msg=audit(1700000000.250:%s): proctitle=7368",
	         serial);
	feed(line);
	asm_flush_all(assembler);
	cr_assert_eq(nevents, 1, "%d events", nevents);
	return &last;
}

#define EXEC_SYSCALL(serial, result)                                                               \
	"type=SYSCALL msg=audit(1700000000.250:" serial "): arch=c000003e syscall=59 " result      \
	" a0=55d0c0a1b2c0 a1=7ffd0 a2=0 a3=ff items=1 ppid=1 pid=4242 auid=1000 uid=0 gid=0 "      \
	"euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts1 ses=3 comm=\"ls\" exe=\"/bin/ls\" "  \
	"key=\"kestrel\""

Test(normalize, syscall_number_name_result_and_arguments)
{
	feed(EXEC_SYSCALL("1", "success=yes exit=0"));
	const struct kevent *ev = finish("1");

	cr_assert_eq(ev->has_syscall, 1);
	cr_assert_eq(ev->arch, 0xc000003eu);
	cr_assert_eq(ev->syscall, 59);
	cr_assert_str_eq(ev->syscall_name, "execve");
	cr_assert_eq(ev->success, 1);
	cr_assert_eq(ev->exit, 0);
	cr_assert_eq(ev->a[0], 0x55d0c0a1b2c0ull);
	cr_assert_eq(ev->a[1], 0x7ffd0ull);
	cr_assert_eq(ev->a[2], 0);
	cr_assert_eq(ev->a[3], 0xff);
	cr_assert_eq(ev->pid, 4242);
	cr_assert_eq(ev->auid, 1000);
	cr_assert_str_eq(ev->comm, "ls");
	cr_assert_str_eq(ev->exe, "/bin/ls");
	cr_assert_str_eq(ev->key, "kestrel");
	cr_assert_eq(ev->serial, 1);
	cr_assert_eq(ev->time_ns, 1700000000250ull * 1000000ull);
}

Test(normalize, failed_call_and_unknown_syscall_number)
{
	feed("type=SYSCALL msg=audit(1700000000.250:2): arch=c000003e syscall=4095 success=no "
	     "exit=-2 a0=0 a1=0 a2=0 a3=0 pid=7 comm=\"x\"");
	const struct kevent *ev = finish("2");

	cr_assert_eq(ev->syscall, 4095);
	cr_assert_null(ev->syscall_name, "no name for a number libaudit does not know");
	cr_assert_eq(ev->success, 0);
	cr_assert_eq(ev->exit, -2);
}

Test(normalize, missing_result_stays_unset)
{
	feed("type=SYSCALL msg=audit(1700000000.250:3): arch=c000003e syscall=2 pid=7");
	const struct kevent *ev = finish("3");

	cr_assert_str_eq(ev->syscall_name, "open");
	cr_assert_eq(ev->success, -1);
	cr_assert_eq(ev->exit, KEV_UNSET);
}

Test(normalize, path_items_sorted_by_item_whatever_the_record_order)
{
	feed(EXEC_SYSCALL("4", "success=yes exit=0"));
	feed("type=PATH msg=audit(1700000000.250:4): item=1 name=\"/lib64/ld-linux-x86-64.so.2\" "
	     "inode=12 dev=fd:00 mode=0100755 ouid=0 ogid=0 nametype=NORMAL");
	feed("type=PATH msg=audit(1700000000.250:4): item=0 name=\"/bin/ls\" inode=11 dev=fd:00 "
	     "mode=0100644 ouid=0 ogid=0 nametype=NORMAL");
	feed("type=PATH msg=audit(1700000000.250:4): item=2 name=(null) nametype=UNKNOWN");
	const struct kevent *ev = finish("4");

	cr_assert_eq(ev->npaths, 3);
	cr_assert_eq(ev->paths[0].item, 0);
	cr_assert_str_eq(ev->paths[0].name, "/bin/ls");
	cr_assert_eq(ev->paths[0].inode, 11);
	cr_assert_eq(ev->paths[0].mode, 0100644);
	cr_assert_eq(ev->paths[1].item, 1);
	cr_assert_eq(ev->paths[1].mode, 0100755);
	cr_assert_str_eq(ev->paths[1].dev, "fd:00");
	cr_assert_eq(ev->paths[2].item, 2);
	cr_assert_null(ev->paths[2].name);
	cr_assert_eq(ev->paths[2].inode, KEV_UNSET);
	cr_assert_str_eq(ev->paths[2].nametype, "UNKNOWN");
}

Test(normalize, inet_sockaddr_of_connect)
{
	feed("type=SYSCALL msg=audit(1700000000.250:5): arch=c000003e syscall=42 success=yes "
	     "exit=0 a0=3 a1=0 a2=10 a3=0 pid=9 comm=\"curl\"");
	/* AF_INET (2), port 443 (0x01bb), 10.1.2.3 */
	feed("type=SOCKADDR msg=audit(1700000000.250:5): saddr=020001BB0A0102030000000000000000");
	const struct kevent *ev = finish("5");

	cr_assert_str_eq(ev->syscall_name, "connect");
	cr_assert_eq(ev->has_sockaddr, 1);
	cr_assert_eq(ev->sockaddr.family, KEV_SA_INET);
	cr_assert_str_eq(ev->sockaddr.addr, "10.1.2.3");
	cr_assert_eq(ev->sockaddr.port, 443);
}

Test(normalize, sockaddr_decoder_inet6_unix_and_short_input)
{
	struct kev_sockaddr sa;
	/* AF_INET6 (10), port 8080, flowinfo 0, ::1, scope 0 */
	const char *in6 = "0A001F90000000000000000000000000000000000000000100000000";
	/* AF_UNIX (1), "/run/x.sock" */
	const char *un = "01002F72756E2F782E736F636B00";
	/* AF_UNIX abstract: a NUL then "kes" */
	const char *abs = "0100006B6573";

	cr_assert_eq(knorm_decode_sockaddr(in6, strlen(in6), &sa), 0);
	cr_assert_eq(sa.family, KEV_SA_INET6);
	cr_assert_str_eq(sa.addr, "::1");
	cr_assert_eq(sa.port, 8080);
	cr_assert_eq(knorm_decode_sockaddr(un, strlen(un), &sa), 0);
	cr_assert_eq(sa.family, KEV_SA_UNIX);
	cr_assert_str_eq(sa.addr, "/run/x.sock");
	cr_assert_eq(sa.port, -1);
	cr_assert_eq(knorm_decode_sockaddr(abs, strlen(abs), &sa), 0);
	cr_assert_str_eq(sa.addr, "@kes");
	cr_assert_eq(knorm_decode_sockaddr("02", 2, &sa), -1);
}

Test(normalize, complete_execve_argv_is_not_truncated)
{
	feed(EXEC_SYSCALL("6", "success=yes exit=0"));
	feed("type=EXECVE msg=audit(1700000000.250:6): argc=3 a0=\"ls\" a1=\"-l\" a2=2F746D70");
	const struct kevent *ev = finish("6");

	cr_assert_eq(ev->argc, 3);
	cr_assert_eq(ev->nargv, 3);
	cr_assert_str_eq(ev->argv[0], "ls");
	cr_assert_str_eq(ev->argv[1], "-l");
	cr_assert_str_eq(ev->argv[2], "/tmp");
	cr_assert_null(ev->argv[3]);
	cr_assert_eq(ev->argv_truncated, 0);
}

Test(normalize, argc_larger_than_the_arguments_received_is_truncated)
{
	/* the last EXECVE record of a long argv was lost: a0, a1 of argc=4 */
	feed(EXEC_SYSCALL("7", "success=yes exit=0"));
	feed("type=EXECVE msg=audit(1700000000.250:7): argc=4 a0=\"ls\" a1=\"-l\"");
	const struct kevent *ev = finish("7");

	cr_assert_eq(ev->argc, 4);
	cr_assert_eq(ev->nargv, 2);
	cr_assert_eq(ev->argv_truncated, 1, "argc 4 but 2 arguments must be flagged");
}

Test(normalize, missing_middle_argument_is_empty_and_truncated)
{
	feed(EXEC_SYSCALL("8", "success=yes exit=0"));
	feed("type=EXECVE msg=audit(1700000000.250:8): argc=3 a0=\"ls\" a2=\"-l\"");
	const struct kevent *ev = finish("8");

	cr_assert_eq(ev->nargv, 3);
	cr_assert_str_eq(ev->argv[1], "");
	cr_assert_str_eq(ev->argv[2], "-l");
	cr_assert_eq(ev->argv_truncated, 1);
}

Test(normalize, argument_past_argc_is_dropped_and_truncated)
{
	feed(EXEC_SYSCALL("9", "success=yes exit=0"));
	feed("type=EXECVE msg=audit(1700000000.250:9): argc=2 a0=\"ls\" a1=\"-a\" a2=\"extra\"");
	const struct kevent *ev = finish("9");

	cr_assert_eq(ev->nargv, 2);
	cr_assert_str_eq(ev->argv[1], "-a");
	cr_assert_eq(ev->argv_truncated, 1);
}

Test(normalize, argument_split_in_chunks_is_joined)
{
	feed(EXEC_SYSCALL("10", "success=yes exit=0"));
	feed("type=EXECVE msg=audit(1700000000.250:10): argc=2 a0=\"echo\" a1_len=6");
	feed("type=EXECVE msg=audit(1700000000.250:10): a1[0]=616263");
	feed("type=EXECVE msg=audit(1700000000.250:10): a1[1]=646566");
	const struct kevent *ev = finish("10");

	cr_assert_eq(ev->nargv, 2);
	cr_assert_str_eq(ev->argv[1], "abcdef");
	cr_assert_eq(ev->argv_truncated, 0);
}

Test(normalize, proctitle_hex_splits_on_nul)
{
	feed(EXEC_SYSCALL("11", "success=yes exit=0"));
	/* "bash\0-c\0id" */
	feed("type=PROCTITLE msg=audit(1700000000.250:11): proctitle=62617368002D63006964");
	asm_flush_all(assembler);
	cr_assert_eq(nevents, 1);
	cr_assert_eq(last.nproctitle, 3);
	cr_assert_str_eq(last.proctitle[0], "bash");
	cr_assert_str_eq(last.proctitle[1], "-c");
	cr_assert_str_eq(last.proctitle[2], "id");
	cr_assert_null(last.proctitle[3]);
	cr_assert_eq(last.nargv, 0, "no EXECVE: argv stays empty");
}

Test(normalize, proctitle_decoded_on_first_use_only)
{
	feed(EXEC_SYSCALL("13", "success=yes exit=0"));
	feed("type=PROCTITLE msg=audit(1700000000.250:13): proctitle=62617368002D63006964");
	asm_flush_all(assembler);
	cr_assert_eq(nevents, 1);
	cr_assert(title_was_lazy, "knorm_build leaves PROCTITLE undecoded");
	cr_assert_eq(title_n1, 3);
	cr_assert_eq(title_n2, 3);
	cr_assert_eq(title_w1, title_w2, "decoded once, the same words the second time");
	cr_assert_str_eq(title_w1[2], "id");
	/* an event without PROCTITLE has nothing to decode */
	feed(EXEC_SYSCALL("14", "success=yes exit=0"));
	feed("type=EOE msg=audit(1700000000.250:14): ");
	asm_flush_all(assembler);
	cr_assert_eq(nevents, 2);
	cr_assert(!title_was_lazy);
	cr_assert_eq(title_n1, 0);
	cr_assert_eq(last.nproctitle, 0);
}

Test(normalize, proctitle_of_a_hand_built_event_is_its_fields)
{
	const char *words[] = {"sh", "-c", NULL};
	struct kevent ev;
	const char *const *w;
	memset(&ev, 0, sizeof(ev));
	ev.proctitle = words;
	ev.nproctitle = 2;
	cr_assert_eq(kevent_proctitle(&ev, &w), 2);
	cr_assert_eq(w, (const char *const *)words);
}

Test(normalize, proctitle_quoted_is_one_argument)
{
	feed(EXEC_SYSCALL("12", "success=yes exit=0"));
	feed("type=PROCTITLE msg=audit(1700000000.250:12): proctitle=\"/usr/sbin/sshd\"");
	asm_flush_all(assembler);
	cr_assert_eq(nevents, 1);
	cr_assert_eq(last.nproctitle, 1);
	cr_assert_str_eq(last.proctitle[0], "/usr/sbin/sshd");
}

Test(normalize, state_of_one_event_does_not_leak_into_the_next)
{
	feed(EXEC_SYSCALL("13", "success=yes exit=0"));
	feed("type=EXECVE msg=audit(1700000000.250:13): argc=4 a0=\"ls\"");
	finish("13");
	cr_assert_eq(last.argv_truncated, 1);
	nevents = 0;
	feed(EXEC_SYSCALL("14", "success=yes exit=0"));
	feed("type=EXECVE msg=audit(1700000000.250:14): argc=1 a0=\"id\"");
	const struct kevent *ev = finish("14");
	cr_assert_eq(ev->nargv, 1);
	cr_assert_str_eq(ev->argv[0], "id");
	cr_assert_eq(ev->argv_truncated, 0);
	cr_assert_eq(ev->npaths, 0);
	cr_assert_eq(ev->has_sockaddr, 0);
}

/* issue 17 item 13: items 2, 1, 0 came out as 1, 0, 2 */
Test(normalize, path_items_in_reverse_order_are_sorted)
{
	feed(EXEC_SYSCALL("20", "success=yes exit=0"));
	feed("type=PATH msg=audit(1700000000.250:20): item=2 name=\"/c\" nametype=NORMAL");
	feed("type=PATH msg=audit(1700000000.250:20): item=1 name=\"/b\" nametype=NORMAL");
	feed("type=PATH msg=audit(1700000000.250:20): item=0 name=\"/a\" nametype=NORMAL");
	const struct kevent *ev = finish("20");

	cr_assert_eq(ev->npaths, 3);
	for (int i = 0; i < 3; i++) {
		char want[3] = {'/', (char)('a' + i), '\0'};
		cr_assert_eq(ev->paths[i].item, i, "slot %d holds item %d", i, ev->paths[i].item);
		cr_assert_str_eq(ev->paths[i].name, want);
	}
}

/* issue 17 item 14: no undefined behaviour, no silent wrap */
Test(normalize, out_of_range_numbers_are_absent_and_counted)
{
	feed("type=SYSCALL msg=audit(1700000000.250:21): arch=c000003e syscall=2 success=yes "
	     "exit=3 a0=10000000000000000 a1=ffffffffffffffff a2=0 a3=0 "
	     "pid=-9223372036854775808 ppid=99999999999999999999 uid=18446744073709551616 "
	     "gid=9223372036854775807 euid=-9223372036854775807 comm=\"x\"");
	const struct kevent *ev = finish("21");

	cr_assert_eq(ev->pid, KEV_UNSET);
	cr_assert_eq(ev->ppid, KEV_UNSET);
	cr_assert_eq(ev->uid, KEV_UNSET);
	cr_assert_eq(ev->a[0], (uint64_t)KEV_UNSET, "17 hex digits do not fit in 64 bits");
	cr_assert_eq(ev->a[1], UINT64_MAX);
	cr_assert_eq(ev->gid, INT64_MAX);
	cr_assert_eq(ev->euid, -INT64_MAX);
	cr_assert_eq(ev->exit, 3);
	cr_assert_eq(ev->malformed, 4);
}

Test(normalize, number_parser_limits)
{
	int64_t v;

	cr_assert_eq(arec_num("9223372036854775807", 19, 10, &v), 0);
	cr_assert_eq(v, INT64_MAX);
	cr_assert_eq(arec_num("9223372036854775808", 19, 10, &v), -1);
	cr_assert_eq(arec_num("-9223372036854775808", 20, 10, &v), -1);
	cr_assert_eq(arec_num("-", 1, 10, &v), -1);
	cr_assert_eq(arec_num("", 0, 10, &v), -1);
	cr_assert_eq(arec_num("12a", 3, 10, &v), -1);
	cr_assert_eq(arec_num("ffffffff", 8, 16, &v), 0);
	cr_assert_eq(v, 0xffffffffll);
	cr_assert_eq(arec_num("-1", 2, 16, &v), -1);
}

/* issue 17 item 4: openat(dirfd, "shadow") is not <cwd>/shadow */
#define OPENAT(serial, a0)                                                                         \
	"type=SYSCALL msg=audit(1700000000.250:" serial "): arch=c000003e syscall=257 "            \
	"success=yes exit=4 a0=" a0 " a1=7f0000001000 a2=0 a3=0 items=1 ppid=1 pid=4242 "          \
	"auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 "          \
	"fsgid=1000 tty=pts1 ses=3 comm=\"python3\" exe=\"/usr/bin/python3.11\" key=\"kestrel\""

Test(normalize, relative_name_with_a_real_dirfd_is_marked_unresolved)
{
	feed(OPENAT("22", "3"));
	feed("type=CWD msg=audit(1700000000.250:22): cwd=\"/home/u\"");
	feed("type=PATH msg=audit(1700000000.250:22): item=0 name=\"shadow\" inode=393 dev=fd:00 "
	     "mode=0100640 ouid=0 ogid=42 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 "
	     "cap_fver=0 cap_frootid=0");
	const struct kevent *ev = finish("22");

	cr_assert_str_eq(ev->syscall_name, "openat");
	cr_assert_eq(ev->npaths, 1);
	cr_assert_str_eq(ev->paths[0].name, "shadow", "the raw name is kept");
	cr_assert_eq(ev->paths[0].dirfd_unresolved, 1);
	cr_assert_eq(ev->paths[0].dirfd, 3);
}

Test(normalize, relative_name_with_at_fdcwd_or_absolute_name_is_not_marked)
{
	feed(OPENAT("23", "ffffff9c"));
	feed("type=CWD msg=audit(1700000000.250:23): cwd=\"/etc\"");
	feed("type=PATH msg=audit(1700000000.250:23): item=0 name=\"shadow\" nametype=NORMAL");
	const struct kevent *ev = finish("23");
	cr_assert_eq(ev->paths[0].dirfd_unresolved, 0, "AT_FDCWD: relative to the cwd");

	nevents = 0;
	feed(OPENAT("24", "3"));
	feed("type=PATH msg=audit(1700000000.250:24): item=0 name=\"/etc/shadow\" nametype=NORMAL");
	ev = finish("24");
	cr_assert_eq(ev->paths[0].dirfd_unresolved, 0, "an absolute name ignores the dirfd");
}

/* --print-events writes JSON itself: the same bytes as the jansson tree,
 * whatever the bytes of the strings (controls, quotes, backslashes,
 * invalid and valid UTF-8, DEL, U+2028). */
Test(normalize, direct_json_matches_the_jansson_tree)
{
	char hostile[300];
	size_t o = 0;
	for (int c = 1; c < 256; c++)
		hostile[o++] = (char)c;
	memcpy(hostile + o, "\xe2\x80\xa8\xc3\xa9\\\"", 7);
	hostile[o + 7] = '\0';
	const char *argv[] = {hostile, "", "plain"};
	struct kev_path paths[2] = {
	    {.item = 0,
	     .name = hostile,
	     .nametype = "NORMAL",
	     .inode = 5,
	     .mode = 0100644,
	     .ouid = 0,
	     .ogid = KEV_UNSET,
	     .dirfd_unresolved = 1,
	     .dirfd = 7},
	    {.item = 1,
	     .name = NULL,
	     .inode = KEV_UNSET,
	     .mode = KEV_UNSET,
	     .ouid = KEV_UNSET,
	     .ogid = KEV_UNSET},
	};
	struct kevent ev = {
	    .time_ns = 1700000000250000000ull,
	    .serial = 99,
	    .node = "h\x01st",
	    .first_type = 1300,
	    .nrecords = 5,
	    .incomplete = 1,
	    .has_syscall = 1,
	    .arch = 0xc000003e,
	    .syscall = 59,
	    .syscall_name = "execve",
	    .success = 0,
	    .exit = -13,
	    .a = {1, 0xffffffffffffffffull, 0, 3},
	    .pid = 1,
	    .ppid = KEV_UNSET,
	    .uid = 0,
	    .euid = 0,
	    .suid = KEV_UNSET,
	    .fsuid = KEV_UNSET,
	    .gid = -5,
	    .egid = KEV_UNSET,
	    .sgid = KEV_UNSET,
	    .fsgid = KEV_UNSET,
	    .auid = 4294967295,
	    .ses = KEV_UNSET,
	    .tty = "(none)",
	    .comm = hostile,
	    .exe = "/bin/\xff",
	    .cwd = "/",
	    .argc = 4,
	    .nargv = 3,
	    .argv = argv,
	    .argv_truncated = 1,
	    .nproctitle = 1,
	    .proctitle = argv,
	    .npaths = 2,
	    .paths = paths,
	    .has_sockaddr = 1,
	    .malformed = 2,
	};
	ev.sockaddr.family = KEV_SA_OTHER;
	ev.sockaddr.raw_family = 38;
	ev.sockaddr.port = 80;
	strcpy(ev.sockaddr.addr, "a\"b");

	for (int round = 0; round < 3; round++) {
		if (round == 1) {
			ev.has_syscall = 0;
			ev.first_type = 9999;
			ev.sockaddr.family = KEV_SA_INET;
		}
		if (round == 2) {
			ev.npaths = ev.nproctitle = ev.nargv = ev.argc = 0;
			ev.has_sockaddr = ev.malformed = ev.incomplete = 0;
		}
		json_t *tree = kevent_to_json(&ev);
		char *want = json_dumps(tree, JSON_COMPACT);
		char *got = NULL;
		size_t gotlen = 0;
		FILE *f = open_memstream(&got, &gotlen);
		cr_assert_eq(kevent_print_json(&ev, f), 0);
		fclose(f);
		cr_assert_eq(gotlen, strlen(want) + 1, "round %d:\n%s\n%s", round, got, want);
		cr_assert_eq(memcmp(got, want, gotlen - 1), 0, "round %d:\n%s\n%s", round, got,
		             want);
		free(got);
		free(want);
		json_decref(tree);
	}
}
