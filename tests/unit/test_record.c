/*
 * test_record.c — the record parser and value decoders, with real records
 * (shapes taken from live kernels and auditd logs).
 */
#include <criterion/criterion.h>
#include <libaudit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/record.h"
#include "event/normalize.h"

static struct arec r;

static void setup(void)
{
	arec_init(&r);
}

static void teardown(void)
{
	arec_free(&r);
}

TestSuite(record, .init = setup, .fini = teardown);

static void parse_ok(int type, const char *line)
{
	char err[128] = "";
	int rc = arec_parse(&r, type, line, strlen(line), err, sizeof(err));
	cr_assert_eq(rc, 0, "parse failed: %s", err);
}

static const char *val(const char *key)
{
	static char buf[4096];
	const struct arec_field *f = arec_find(&r, key);
	cr_assert_not_null(f, "no field %s", key);
	long n = arec_value(&r, f, buf, sizeof(buf));
	return n < 0 ? NULL : buf;
}

Test(record, parses_auditd_syscall_line)
{
	parse_ok(0, "type=SYSCALL msg=audit(1700000000.123:4567): arch=c000003e syscall=59 "
		    "success=yes exit=0 a0=55d0 a1=55d1 a2=55d2 a3=0 items=2 ppid=100 pid=101 "
		    "auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 "
		    "ses=3 comm=\"ls\" exe=\"/usr/bin/ls\" subj=unconfined key=\"kestrel\"\n");
	cr_assert_eq(r.type, AUDIT_SYSCALL);
	cr_assert_eq(r.sec, 1700000000);
	cr_assert_eq(r.msec, 123);
	cr_assert_eq(r.serial, 4567);
	cr_assert_str_eq(val("comm"), "ls");
	cr_assert_str_eq(val("exe"), "/usr/bin/ls");
	cr_assert_str_eq(val("key"), "kestrel");
	cr_assert_str_eq(val("tty"), "pts0");
	int64_t v;
	cr_assert_eq(arec_int(&r, "ppid", &v), 0);
	cr_assert_eq(v, 100);
	uint64_t u;
	cr_assert_eq(arec_uint_hex(&r, "arch", &u), 0);
	cr_assert_eq(u, 0xc000003e);
	cr_assert_eq(arec_uint_hex(&r, "a1", &u), 0);
	cr_assert_eq(u, 0x55d1);
}

Test(record, parses_netlink_text_form_with_number_type)
{
	parse_ok(0, "1300 audit(1501323932.710:7670542): arch=c000003e syscall=2 success=yes "
		    "exit=3 pid=7 comm=\"cat\"");
	cr_assert_eq(r.type, AUDIT_SYSCALL);
	cr_assert_eq(r.serial, 7670542);
	cr_assert_str_eq(val("comm"), "cat");
}

Test(record, parses_netlink_payload_with_separate_type)
{
	parse_ok(AUDIT_CWD, "audit(1501323932.710:7670542): cwd=\"/root\"");
	cr_assert_eq(r.type, AUDIT_CWD);
	cr_assert_str_eq(val("cwd"), "/root");
}

Test(record, node_prefix_is_kept)
{
	parse_ok(0, "node=web-1 type=CWD msg=audit(1.002:3): cwd=\"/\"");
	cr_assert_eq(r.node_len, 5);
	cr_assert_eq(strncmp(r.text + r.node_off, "web-1", 5), 0);
	cr_assert_eq(r.msec, 2);
}

Test(record, unknown_type_with_number)
{
	parse_ok(0, "type=UNKNOWN[1999] msg=audit(1.000:9): foo=bar");
	cr_assert_eq(r.type, 1999);
	char buf[32];
	cr_assert_str_eq(arec_type_name(1999, buf, sizeof(buf)), "UNKNOWN[1999]");
}

Test(record, hex_encoded_values_are_decoded_by_key)
{
	/* "/tmp/a b" and a comm with a newline are hex-encoded by the kernel */
	parse_ok(0, "type=SYSCALL msg=audit(1.000:9): arch=c000003e syscall=2 comm=610A62 "
		    "exe=2F746D702F612062 a0=12");
	cr_assert_str_eq(val("comm"), "a\nb");
	cr_assert_str_eq(val("exe"), "/tmp/a b");
	/* SYSCALL a0 is a number, never a string */
	const struct arec_field *f = arec_find(&r, "a0");
	cr_assert_not(arec_is_hex(&r, f));
}

Test(record, null_values)
{
	parse_ok(0, "type=SYSCALL msg=audit(1.000:9): key=(null) name=(null) hostname=?");
	cr_assert_null(val("key"));
	cr_assert_null(val("name"));
	cr_assert_null(val("hostname"));
}

Test(record, quoted_value_that_looks_hex_is_literal)
{
	parse_ok(0, "type=PATH msg=audit(1.000:9): item=0 name=\"ABCD\"");
	cr_assert_str_eq(val("name"), "ABCD");
}

Test(record, enriched_fields_are_separate)
{
	parse_ok(0, "type=SYSCALL msg=audit(1.000:9): arch=c000003e syscall=59 uid=0 "
		    "comm=\"ls\"\x1d"
		    "ARCH=x86_64 SYSCALL=execve UID=\"root\"");
	cr_assert_not_null(arec_find(&r, "uid"));
	cr_assert_null(arec_find(&r, "UID"));
	const struct arec_field *f = arec_find_enriched(&r, "SYSCALL");
	cr_assert_not_null(f);
	cr_assert_eq(f->vlen, 6);
	cr_assert_eq(memcmp(arec_raw(&r, f), "execve", 6), 0);
}

Test(record, user_space_message_fields_are_parsed)
{
	parse_ok(0, "type=USER_LOGIN msg=audit(1.000:9): pid=12 uid=0 auid=4294967295 ses=4294967295 "
		    "msg='op=login acct=\"root\" exe=\"/usr/sbin/sshd\" hostname=? addr=10.0.0.1 "
		    "terminal=ssh res=failed'");
	cr_assert_eq(r.type, AUDIT_USER_LOGIN);
	cr_assert_str_eq(val("exe"), "/usr/sbin/sshd");
	cr_assert_str_eq(val("res"), "failed");
	cr_assert_str_eq(val("acct"), "root");
}

Test(record, execve_arguments_hex_and_chunks)
{
	parse_ok(AUDIT_EXECVE, "audit(1.000:9): argc=3 a0=\"sh\" a1=2D63 a2_len=4 a2[0]=6563 "
			       "a2[1]=\"ho\"");
	cr_assert_str_eq(val("a1"), "-c");
	cr_assert_str_eq(val("a2[0]"), "ec");
	cr_assert_str_eq(val("a2[1]"), "ho");
	const struct arec_field *f = arec_find(&r, "a2_len");
	cr_assert_not(arec_is_hex(&r, f));
}

Test(record, free_text_words_are_skipped)
{
	parse_ok(0, "type=AVC msg=audit(1.000:9): avc:  denied  { read } for  pid=5 comm=\"x\"");
	cr_assert_str_eq(val("comm"), "x");
	cr_assert_str_eq(val("pid"), "5");
}

Test(record, malformed_records_are_rejected_with_reason)
{
	char err[128];
	const char *bad[] = {
		"type=UNKNOWN[1329] msg=?",
		"type=SYSCALL msg=audit(1700000000:12): a=b",
		"type=SYSCALL msg=audit(1.000:9): comm=\"unterminated",
		"hello world",
		"type=NOSUCHTYPE msg=audit(1.000:9): a=b",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		cr_assert_eq(arec_parse(&r, 0, bad[i], strlen(bad[i]), err, sizeof(err)), -1,
			     "accepted: %s", bad[i]);
		cr_assert_neq(err[0], '\0', "no reason for: %s", bad[i]);
	}
}

Test(record, syscall_names_from_libaudit_per_arch)
{
	cr_assert_str_eq(knorm_syscall_name(0xc000003e, 59), "execve");
	cr_assert_str_eq(knorm_syscall_name(0xc000003e, 322), "execveat");
	cr_assert_str_eq(knorm_syscall_name(0x40000003, 11), "execve"); /* i386 */
	cr_assert_str_eq(knorm_syscall_name(0xc00000b7, 221), "execve"); /* aarch64 */
	cr_assert_null(knorm_syscall_name(0xc000003e, 100000));
}

Test(record, sockaddr_inet)
{
	struct kev_sockaddr sa;
	/* AF_INET 127.0.0.1:80 */
	const char *h = "02000050" "7F000001" "0000000000000000";
	cr_assert_eq(knorm_decode_sockaddr(h, strlen(h), &sa), 0);
	cr_assert_eq(sa.family, KEV_SA_INET);
	cr_assert_str_eq(sa.addr, "127.0.0.1");
	cr_assert_eq(sa.port, 80);
}

Test(record, sockaddr_inet6)
{
	struct kev_sockaddr sa;
	/* AF_INET6 [2001:db8::1]:443 */
	const char *h = "0A0001BB" "00000000" "20010DB8000000000000000000000001" "00000000";
	cr_assert_eq(knorm_decode_sockaddr(h, strlen(h), &sa), 0);
	cr_assert_eq(sa.family, KEV_SA_INET6);
	cr_assert_str_eq(sa.addr, "2001:db8::1");
	cr_assert_eq(sa.port, 443);
}

Test(record, sockaddr_unix_path_and_abstract)
{
	struct kev_sockaddr sa;
	const char *h = "01002F72756E2F6E7363642F736F636B657400"; /* /run/nscd/socket */
	cr_assert_eq(knorm_decode_sockaddr(h, strlen(h), &sa), 0);
	cr_assert_eq(sa.family, KEV_SA_UNIX);
	cr_assert_str_eq(sa.addr, "/run/nscd/socket");
	const char *a = "0100" "00" "666F6F"; /* abstract "foo" */
	cr_assert_eq(knorm_decode_sockaddr(a, strlen(a), &sa), 0);
	cr_assert_str_eq(sa.addr, "@foo");
}

Test(record, sockaddr_from_big_endian_machine)
{
	struct kev_sockaddr sa;
	const char *h = "00020016" "0A000001" "0000000000000000"; /* 10.0.0.1:22, BE family */
	cr_assert_eq(knorm_decode_sockaddr(h, strlen(h), &sa), 0);
	cr_assert_eq(sa.family, KEV_SA_INET);
	cr_assert_str_eq(sa.addr, "10.0.0.1");
	cr_assert_eq(sa.port, 22);
}

Test(record, sockaddr_garbage_is_rejected)
{
	struct kev_sockaddr sa;
	cr_assert_eq(knorm_decode_sockaddr("0", 1, &sa), -1);
	cr_assert_eq(knorm_decode_sockaddr("ZZZZ", 4, &sa), -1);
	cr_assert_eq(knorm_decode_sockaddr("0200", 4, &sa), -1); /* inet too short */
}

/* Timestamps and serials of every length from 1 to 19 digits, with enough
 * of the record after them for the 16-byte fast path and without. */
Test(record, stamp_numbers_of_every_length_fast_and_slow)
{
	static const char digits[] = "9876543210123456789";
	char line[256], sec[32], serial[32];

	for (int tail = 0; tail < 2; tail++) {
		for (int n = 1; n <= 19; n++) {
			memcpy(sec, digits, (size_t)n);
			sec[n] = '\0';
			memcpy(serial, digits + 19 - n, (size_t)n);
			serial[n] = '\0';
			snprintf(line, sizeof(line), "type=EOE msg=audit(%s.%.*s:%s):%s", sec,
			         n < 6 ? n : 6, "123456", serial,
			         tail ? " a0=1 a1=2 a2=3 a3=4 items=0" : "");
			parse_ok(0, line);
			cr_assert_eq(r.sec, strtoull(sec, NULL, 10), "%s", line);
			cr_assert_eq(r.serial, strtoull(serial, NULL, 10), "%s", line);
			/* milliseconds scaled to three digits: 1 -> 100, 1234 -> 123 */
			unsigned ms[] = {0, 100, 120, 123, 123, 123, 123};
			cr_assert_eq(r.msec, ms[n < 6 ? n : 6], "%s", line);
		}
	}
}

Test(record, stamp_digits_end_at_any_non_digit)
{
	char err[128];
	/* a byte above 0x7f right after the digits, then a long tail */
	const char *bad = "type=EOE msg=audit(1700000000\xb9"
	                  "123:45): a=b c=d e=f g=h";
	cr_assert_lt(arec_parse(&r, 0, bad, strlen(bad), err, sizeof(err)), 0);
	/* more than 19 digits wraps (mod 2^64) as the byte loop always did */
	const char *big = "123456789012345678901234";
	char line[128];
	snprintf(line, sizeof(line), "type=EOE msg=audit(1.123:%s): a=b c=d e=f", big);
	parse_ok(0, line);
	uint64_t want = 0;
	for (const char *d = big; *d; d++)
		want = want * 10 + (uint64_t)(*d - '0');
	cr_assert_eq(r.serial, want);
}

/* Keys and bare values of every length up to 40 bytes, ending before,
 * at and after a 16-byte block, with the record going on and not. */
Test(record, keys_and_values_of_every_length_around_the_block_size)
{
	char line[512], key[64], value[64];

	for (int tail = 0; tail < 2; tail++) {
		for (int kl = 1; kl <= 40; kl++) {
			for (int vl = 0; vl <= 40; vl++) {
				for (int i = 0; i < kl; i++)
					key[i] = (char)('a' + i % 26);
				key[kl] = '\0';
				for (int i = 0; i < vl; i++)
					value[i] = (char)('0' + i % 10);
				value[vl] = '\0';
				snprintf(line, sizeof(line),
				         "type=PATH msg=audit(1.000:1): { bare%s } %s=%s%s", key,
				         key, value, tail ? " z=1" : "");
				parse_ok(0, line);
				const struct arec_field *f = arec_find(&r, key);
				cr_assert_not_null(f, "%s", line);
				cr_assert_eq(f->vlen, (uint32_t)vl, "%s", line);
				cr_assert_eq(memcmp(arec_raw(&r, f), value, (size_t)vl), 0, "%s",
				             line);
				cr_assert_eq(r.nfields, tail ? 2 : 1, "%s", line);
			}
		}
	}
}
