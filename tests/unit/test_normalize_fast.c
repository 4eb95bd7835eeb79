/*
 * test_normalize_fast.c — the normalizer's fast paths give the answers of
 * the general ones: short decimals parsed inline (and everything else left
 * to arec_num), the dirfd answer kept from one event to the next, the
 * PROCTITLE split with memchr, the capability sets of BPRM_FCAPS and
 * CAPSET, and the IPv4 text of SOCKADDR written without inet_ntop (checked
 * against inet_ntop itself).
 */
#include "config.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/normalize.h"
#include "record/assemble.h"
#include "record/record.h"

static struct knorm *norm;
static struct assembler *assembler;
static struct arec rec;
static struct kevent last;
static int nevents;

static void on_event(const struct asm_event *aev, void *arg)
{
	(void)arg;
	cr_assert_eq(knorm_build(norm, aev, &last), 0, "knorm_build failed");
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

TestSuite(normalize_fast, .init = setup, .fini = teardown);

static void feed(const char *line)
{
	char err[256];

	cr_assert_eq(arec_parse(&rec, 0, line, strlen(line), err, sizeof(err)), 0, "%s: %s", line,
	             err);
	cr_assert_geq(asm_add(assembler, &rec, 0), 0, "%s", line);
}

/* Ends event `serial` with a PROCTITLE of hex `title` and returns it. */
static const struct kevent *finish_with(int serial, const char *title)
{
	char line[256];

	snprintf(line, sizeof(line), "type=PROCTITLE msg=audit(1700000000.250:%d): proctitle=%s",
	         serial, title);
	nevents = 0;
	feed(line);
	asm_flush_all(assembler);
	cr_assert_eq(nevents, 1, "%d events", nevents);
	return &last;
}

static const struct kevent *finish(int serial)
{
	return finish_with(serial, "7368");
}

/* A SYSCALL record of syscall number nr with a0 and the identity given. */
static void syscall_rec(int serial, int nr, const char *a0, const char *ids)
{
	char line[512];

	snprintf(line, sizeof(line),
	         "type=SYSCALL msg=audit(1700000000.250:%d): arch=c000003e syscall=%d "
	         "success=yes exit=4 a0=%s a1=0 a2=0 a3=0 items=1 %s comm=\"x\" exe=\"/x\"",
	         serial, nr, a0, ids);
	feed(line);
}

Test(normalize_fast, decimals_inline_and_the_rest_through_the_general_parser)
{
	syscall_rec(1, 2, "0",
	            "ppid=999999999999999999 pid=9223372036854775807 uid=9223372036854775808 "
	            "gid=-5 euid=? suid=12a fsuid=0 egid=007 auid=4294967295");
	const struct kevent *ev = finish(1);

	cr_assert_eq(ev->ppid, 999999999999999999ll, "18 digits: the inline path");
	cr_assert_eq(ev->pid, INT64_MAX, "19 digits: arec_num");
	cr_assert_eq(ev->uid, KEV_UNSET, "past INT64_MAX: absent");
	cr_assert_eq(ev->gid, -5, "a sign: arec_num");
	cr_assert_eq(ev->euid, KEV_UNSET, "? is no value");
	cr_assert_eq(ev->suid, KEV_UNSET, "not a number");
	cr_assert_eq(ev->fsuid, 0);
	cr_assert_eq(ev->egid, 7, "leading zeros are decimal");
	cr_assert_eq(ev->auid, 4294967295ll);
	cr_assert_eq(ev->malformed, 2, "uid and suid are malformed, euid is not");
}

/* One openat-like event: syscall nr, dirfd a0, one PATH name; returns
 * whether the name was marked relative to an unknown directory. */
static int marked(int serial, int nr, const char *a0, const char *name)
{
	char line[256];

	syscall_rec(serial, nr, a0, "pid=7");
	snprintf(line, sizeof(line),
	         "type=PATH msg=audit(1700000000.250:%d): item=0 name=\"%s\" nametype=NORMAL",
	         serial, name);
	feed(line);
	return finish(serial)->paths[0].dirfd_unresolved;
}

Test(normalize_fast, dirfd_answer_follows_each_events_syscall)
{
	/* 257 openat, 258 mkdirat (dirfd in a0), 0 read (none) */
	for (int round = 0; round < 2; round++) {
		int s = 10 + round * 10;
		cr_assert_eq(marked(s + 1, 257, "3", "shadow"), 1, "openat, round %d", round);
		cr_assert_eq(marked(s + 2, 257, "3", "shadow"), 1, "openat again");
		cr_assert_eq(marked(s + 3, 0, "3", "shadow"), 0, "read takes no dirfd");
		cr_assert_eq(marked(s + 4, 258, "5", "dir"), 1, "mkdirat");
		cr_assert_eq(marked(s + 5, 257, "ffffff9c", "shadow"), 0, "AT_FDCWD");
		cr_assert_eq(marked(s + 6, 258, "5", "/abs"), 0, "an absolute name");
		cr_assert_eq(marked(s + 7, 0, "3", "shadow"), 0, "read after mkdirat");
	}
}

/* The PROCTITLE words of hex title, joined with '|'. */
static const char *title_words(int serial, const char *title)
{
	static char out[256];
	size_t o = 0;

	syscall_rec(serial, 59, "0", "pid=7");
	const struct kevent *ev = finish_with(serial, title);
	out[0] = '\0';
	for (int i = 0; i < ev->nproctitle; i++)
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s", i ? "|" : "",
		                      ev->proctitle[i]);
	cr_assert_null(ev->proctitle[ev->nproctitle], "the list ends with NULL");
	return out;
}

Test(normalize_fast, proctitle_splits_on_every_nul_but_a_trailing_one)
{
	cr_assert_str_eq(title_words(30, "6C73"), "ls");
	cr_assert_str_eq(title_words(31, "6C73002D6C00"), "ls|-l", "trailing NUL");
	cr_assert_str_eq(title_words(32, "6C7300002D6C"), "ls||-l", "empty word kept");
	cr_assert_str_eq(title_words(33, "006C73"), "|ls", "leading NUL");
	cr_assert_str_eq(title_words(34, "6C730000"), "ls|", "two trailing NULs");
	cr_assert_str_eq(title_words(35, "00"), "", "one NUL: one empty word");
	cr_assert_eq(last.nproctitle, 1);
}

Test(normalize_fast, capability_sets_of_bprm_fcaps_and_capset)
{
	syscall_rec(40, 59, "0", "pid=7");
	feed("type=BPRM_FCAPS msg=audit(1700000000.250:40): fver=2 fp=0 fi=0 fe=1 old_pp=0 "
	     "old_pi=0 old_pe=0 old_pa=0 pp=3fffffffff pi=1 pe=2000 pa=0");
	const struct kevent *ev = finish(40);
	cr_assert_eq(ev->has_caps, 1);
	cr_assert_eq(ev->cap_pp, 0x3fffffffffull);
	cr_assert_eq(ev->cap_pi, 1);
	cr_assert_eq(ev->cap_pe, 0x2000);
	cr_assert_eq(ev->cap_pa, 0);

	syscall_rec(41, 126, "0", "pid=7"); /* capset */
	feed("type=CAPSET msg=audit(1700000000.250:41): pid=7 cap_pi=4 cap_pp=1ff cap_pe=ff "
	     "cap_pa=0");
	ev = finish(41);
	cr_assert_eq(ev->has_caps, 1);
	cr_assert_eq(ev->cap_pi, 4);
	cr_assert_eq(ev->cap_pp, 0x1ff);
	cr_assert_eq(ev->cap_pe, 0xff);

	syscall_rec(42, 126, "0", "pid=7");
	feed("type=CAPSET msg=audit(1700000000.250:42): pid=7 cap_pi=4 cap_pp=1ff cap_pe=ff");
	cr_assert_eq(finish(42)->has_caps, 0, "all four sets or none");
	syscall_rec(43, 59, "0", "pid=7");
	feed("type=BPRM_FCAPS msg=audit(1700000000.250:43): cap_pe=1 pp=1 pi=1 pe=1 pa=zz");
	cr_assert_eq(finish(43)->has_caps, 0, "a set that is not hex");
}

/* The IPv4 text of a sockaddr_in with address bytes a, port 80. */
static void check_ipv4(const unsigned char a[4])
{
	char hex[64], want[INET_ADDRSTRLEN];
	struct kev_sockaddr sa;

	snprintf(hex, sizeof(hex), "02000050%02X%02X%02X%02X0000000000000000", a[0], a[1], a[2],
	         a[3]);
	cr_assert_eq(knorm_decode_sockaddr(hex, strlen(hex), &sa), 0, "%s", hex);
	cr_assert_not_null(inet_ntop(AF_INET, a, want, sizeof(want)));
	cr_assert_str_eq(sa.addr, want, "%s", hex);
	cr_assert_eq(sa.port, 80);
	cr_assert_eq(sa.family, KEV_SA_INET);
}

Test(normalize_fast, ipv4_text_is_inet_ntops)
{
	for (int v = 0; v < 256; v++)
		for (int pos = 0; pos < 4; pos++) {
			unsigned char a[4] = {1, 22, 133, 4};
			a[pos] = (unsigned char)v;
			check_ipv4(a);
		}
	check_ipv4((const unsigned char[4]){0, 0, 0, 0});
	check_ipv4((const unsigned char[4]){255, 255, 255, 255});
}

Test(normalize_fast, sockaddr_hex_validated_over_the_bytes_it_decodes)
{
	struct kev_sockaddr sa;
	char hex[600];

	cr_assert_eq(knorm_decode_sockaddr("02000050ZZ000001", 16, &sa), -1, "a bad digit");
	cr_assert_eq(knorm_decode_sockaddr("020000500A00000", 15, &sa), -1, "odd length");
	/* longer than a sockaddr_storage: only its first 128 bytes are read */
	memset(hex, '0', sizeof(hex));
	memcpy(hex, "020000500A000001", 16);
	memcpy(hex + 256, "ZZ", 2);
	hex[sizeof(hex) - 1] = '\0';
	cr_assert_eq(knorm_decode_sockaddr(hex, strlen(hex) - 1, &sa), 0);
	cr_assert_str_eq(sa.addr, "10.0.0.1");
	memcpy(hex + 254, "ZZ", 2);
	cr_assert_eq(knorm_decode_sockaddr(hex, strlen(hex) - 1, &sa), -1, "byte 127 is read");
}

/* Bare values end at the next space whatever their length around the
 * 8-byte word the record parser tests at once, in the middle and at the
 * end of a record. */
Test(normalize_fast, bare_values_of_every_length_around_a_word)
{
	char line[256], val[40], err[128];

	for (size_t len = 1; len < 34; len++) {
		memset(val, 'a' + (int)(len % 26), len);
		val[len] = '\0';
		val[len / 2] = len % 3 ? '\xa0' : 'Z'; /* a byte with the space's low bits */
		for (int at_end = 0; at_end < 2; at_end++) {
			snprintf(line, sizeof(line),
			         at_end ? "type=SYSCALL msg=audit(1.000:1): n=1 k=%s"
			                : "type=SYSCALL msg=audit(1.000:1): k=%s n=1  m=22",
			         val);
			cr_assert_eq(arec_parse(&rec, 0, line, strlen(line), err, sizeof(err)), 0,
			             "%s", err);
			const struct arec_field *f = arec_find(&rec, "k");
			cr_assert_not_null(f);
			cr_assert_eq(f->vlen, len, "length %zu, at end %d", len, at_end);
			cr_assert_eq(memcmp(arec_raw(&rec, f), val, len), 0);
			f = arec_find(&rec, "n");
			cr_assert_not_null(f);
			cr_assert_eq(f->vlen, 1);
			cr_assert_eq(rec.nfields, at_end ? 2 : 3);
		}
	}
}
