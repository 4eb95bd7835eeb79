/*
 * test_krules.c — the kernel rule set without the kernel: what
 * krules_print says for given syscall groups (auditctl syntax, per arch,
 * pid exclusion, success filter, the comment naming what needs each
 * rule), name checking, recognising CONFIG_CHANGE records that remove
 * kestrel's rules, a term built into the kernel's struct audit_rule_data
 * (syscall bits per arch, field pairs, one- and two-part keys), rule
 * identity and ownership, and path= / dir= names resolved and widened in
 * a temporary directory tree standing for a container's root.
 */
#include <criterion/criterion.h>
#include <libaudit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/krules.h"
#include "kernel/krules_int.h"

/* The expectations below are for x86_64 (b64 + i386 b32). */
static void require_x86_64(void)
{
	if (audit_detect_machine() != MACH_86_64)
		cr_skip_test("krules print expectations are written for x86_64");
}

/* krules_print into a string the caller frees. */
static char *printed(const struct krules *kr, int *lines)
{
	char *buf = NULL;
	size_t sz = 0;
	FILE *f = open_memstream(&buf, &sz);
	cr_assert_not_null(f);
	*lines = krules_print(kr, f);
	fclose(f);
	return buf;
}

Test(krules, exec_set_prints_one_rule_per_arch_in_auditctl_syntax)
{
	require_x86_64();
	struct krules *kr = krules_new(4242);
	int lines;
	cr_assert_eq(krules_add_proc_needs(kr, KRULES_PROC_EXEC), 0);
	char *out = printed(kr, &lines);

	cr_assert_eq(lines, 2);
	cr_assert_str_eq(out, "# process table (exec)\n"
	                      "-a always,exit -F arch=b64 -S execve,execveat -F pid!=4242 -F "
	                      "key=kestrel\n"
	                      "-a always,exit -F arch=b32 -S execve,execveat -F pid!=4242 -F "
	                      "key=kestrel\n");
	cr_assert_eq(krules_count(kr), 2);
	free(out);
	krules_free(kr);
}

Test(krules, success_only_group_gets_its_own_rule_with_success_filter)
{
	require_x86_64();
	struct krules *kr = krules_new(0);
	char err[256];
	const char *conn[] = {"connect"};
	int lines;
	cr_assert_eq(krules_add_proc_needs(kr, KRULES_PROC_EXEC), 0);
	cr_assert_eq(krules_add(kr, conn, 1, KRULES_SUCCESS_ONLY, err, sizeof(err)), 0, "%s", err);
	char *out = printed(kr, &lines);

	cr_assert_eq(lines, 4);
	cr_assert_not_null(strstr(out, "-a always,exit -F arch=b64 -S connect -F success=1 "
	                               "-F key=kestrel\n"));
	cr_assert_not_null(strstr(out, "-a always,exit -F arch=b32 -S connect -F success=1 "
	                               "-F key=kestrel\n"));
	cr_assert_null(strstr(out, "pid!="), "no exclusion when exclude_pid is 0");
	free(out);
	krules_free(kr);
}

Test(krules, syscall_known_on_one_arch_only_goes_into_that_arch_rule)
{
	require_x86_64();
	struct krules *kr = krules_new(0);
	char err[256];
	/* kexec_file_load has no i386 number; socketcall has no x86_64 number */
	const char *names[] = {"kexec_file_load", "socketcall"};
	int lines;
	cr_assert_eq(krules_add(kr, names, 2, 0, err, sizeof(err)), 0, "%s", err);
	char *out = printed(kr, &lines);

	cr_assert_eq(lines, 2);
	cr_assert_str_eq(out, "-a always,exit -F arch=b64 -S kexec_file_load -F key=kestrel\n"
	                      "-a always,exit -F arch=b32 -S socketcall -F key=kestrel\n");
	free(out);
	krules_free(kr);
}

Test(krules, unknown_syscall_is_an_error_naming_it)
{
	struct krules *kr = krules_new(0);
	char err[256] = "";
	const char *names[] = {"execve", "no_such_call"};

	cr_assert_eq(krules_add(kr, names, 2, 0, err, sizeof(err)), -1);
	cr_assert_not_null(strstr(err, "'no_such_call'"), "got: %s", err);
	krules_free(kr);
}

Test(krules, duplicate_names_are_merged)
{
	require_x86_64();
	struct krules *kr = krules_new(0);
	char err[256];
	const char *names[] = {"openat", "execve", "openat"};
	int lines;
	cr_assert_eq(krules_add(kr, names, 3, 0, err, sizeof(err)), 0);
	cr_assert_eq(krules_add_proc_needs(kr, KRULES_PROC_EXEC), 0);
	char *out = printed(kr, &lines);

	cr_assert_eq(lines, 2);
	cr_assert_not_null(
	    strstr(out, "-a always,exit -F arch=b64 -S openat,execve,execveat -F key=kestrel\n"),
	    "got: %s", out);
	free(out);
	krules_free(kr);
}

Test(krules, fork_tracking_adds_success_only_clone_family)
{
	require_x86_64();
	struct krules *kr = krules_new(0);
	int lines;
	cr_assert_eq(krules_add_proc_needs(kr, KRULES_PROC_EXEC | KRULES_PROC_FORK), 0);
	char *out = printed(kr, &lines);

	cr_assert_eq(lines, 4);
	cr_assert_not_null(strstr(
	    out,
	    "-a always,exit -F arch=b64 -S clone,clone3,fork,vfork -F success=1 -F key=kestrel\n"));
	free(out);
	krules_free(kr);
}

Test(krules, empty_set_prints_nothing)
{
	struct krules *kr = krules_new(1);
	int lines;
	char *out = printed(kr, &lines);
	cr_assert_eq(lines, 0);
	cr_assert_str_eq(out, "");
	cr_assert_eq(krules_count(kr), 0);
	free(out);
	krules_free(kr);
}

#define IS_REMOVAL(s) krules_config_change_is_removal(s, strlen(s))

Test(krules, config_change_removing_a_kestrel_rule_is_recognised)
{
	cr_assert_eq(IS_REMOVAL("auid=0 ses=3 subj=unconfined op=remove_rule key=\"kestrel\" "
	                        "list=4 res=1"),
	             1);
	cr_assert_eq(IS_REMOVAL("op=remove_rule key=\"kestrel\" list=4 res=1"), 1);
}

Test(krules, config_change_for_other_keys_or_operations_is_ignored)
{
	cr_assert_eq(IS_REMOVAL("auid=0 ses=3 op=remove_rule key=\"kestrel_test_foreign\" list=4 "
	                        "res=1"),
	             0);
	cr_assert_eq(IS_REMOVAL("auid=0 ses=3 op=add_rule key=\"kestrel\" list=4 res=1"), 0);
	cr_assert_eq(IS_REMOVAL("auid=0 ses=3 op=remove_rules key=\"kestrel\" list=4 res=1"), 0);
	cr_assert_eq(IS_REMOVAL("auid=0 ses=3 op=remove_rule key=(null) list=4 res=1"), 0);
	cr_assert_eq(IS_REMOVAL("auid=0 xop=remove_rule key=\"kestrel\""), 0);
}

/* A kernel-style rule built with libaudit: arch, syscalls, optional extra
 * field, key. */
static struct audit_rule_data *make_rule(const char *arch, const char *const *calls, size_t n,
                                         const char *extra, const char *key)
{
	struct audit_rule_data *r = audit_rule_create_data();
	char pair[64];
	snprintf(pair, sizeof(pair), "arch=%s", arch);
	cr_assert_eq(audit_rule_fieldpair_data(&r, pair, AUDIT_FILTER_EXIT), 0);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(audit_rule_syscallbyname_data(r, calls[i]), 0);
	if (extra) {
		/* libaudit splits the pair in place: it needs writable memory */
		snprintf(pair, sizeof(pair), "%s", extra);
		cr_assert_eq(audit_rule_fieldpair_data(&r, pair, AUDIT_FILTER_EXIT), 0);
	}
	/* key as a string field, the way the kernel lists it */
	size_t kl = strlen(key);
	r = realloc(r, sizeof(*r) + r->buflen + kl);
	memcpy(r->buf + r->buflen, key, kl);
	r->fields[r->field_count] = AUDIT_FILTERKEY;
	r->fieldflags[r->field_count] = AUDIT_EQUAL;
	r->values[r->field_count++] = (uint32_t)kl;
	r->buflen += (uint32_t)kl;
	r->flags = AUDIT_FILTER_EXIT;
	r->action = AUDIT_ALWAYS;
	return r;
}

Test(krules, loaded_rules_for_both_arches_cover_the_exec_set)
{
	require_x86_64();
	const char *calls[] = {"execve", "execveat"};
	struct audit_rule_data *rules[2] = {make_rule("b64", calls, 2, NULL, "exec"),
	                                    make_rule("b32", calls, 2, NULL, "exec")};
	struct krules *kr = krules_new(0);
	cr_assert_eq(krules_add_proc_needs(kr, KRULES_PROC_EXEC), 0);

	cr_assert_eq(krules_uncovered(kr, rules, 2, 0), 0);
	cr_assert_eq(krules_uncovered(kr, rules, 1, 0), 2, "without the b32 rule, 2 pairs miss");
	krules_free(kr);
	free(rules[0]);
	free(rules[1]);
}

Test(krules, a_rule_with_a_narrowing_field_does_not_cover)
{
	require_x86_64();
	const char *calls[] = {"execve", "execveat"};
	struct audit_rule_data *rules[2] = {make_rule("b64", calls, 2, "uid=0", "exec"),
	                                    make_rule("b32", calls, 2, NULL, "exec")};
	struct krules *kr = krules_new(0);
	cr_assert_eq(krules_add_proc_needs(kr, KRULES_PROC_EXEC), 0);

	cr_assert_eq(krules_uncovered(kr, rules, 2, 0), 2);
	krules_free(kr);
	free(rules[0]);
	free(rules[1]);
}

Test(krules, success_filter_covers_only_a_success_only_group)
{
	require_x86_64();
	const char *calls[] = {"connect"};
	struct audit_rule_data *rules[2] = {make_rule("b64", calls, 1, "success=1", "net"),
	                                    make_rule("b32", calls, 1, "success=1", "net")};
	struct krules *all = krules_new(0), *ok = krules_new(0);
	char err[256];
	cr_assert_eq(krules_add(all, calls, 1, 0, err, sizeof(err)), 0);
	cr_assert_eq(krules_add(ok, calls, 1, KRULES_SUCCESS_ONLY, err, sizeof(err)), 0);

	cr_assert_eq(krules_uncovered(ok, rules, 2, 0), 0);
	cr_assert_eq(krules_uncovered(all, rules, 2, 0), 2, "failed connects would be missed");
	krules_free(all);
	krules_free(ok);
	free(rules[0]);
	free(rules[1]);
}

/* ---- what needs each rule: the comment krules_print puts above it ---- */

Test(krules, print_names_what_needs_each_term_once_above_its_rules)
{
	require_x86_64();
	struct krules *kr = krules_new(0);
	char err[256];
	const char *open_calls[] = {"openat"}, *fields[] = {"success=1", "path=/etc/shadow"};
	const char *why1[] = {"Read sensitive file untrusted"};
	const char *why2[] = {"Create Hardlink Over Sensitive Files", "Read sensitive file untrusted"};
	const char *exec_calls[] = {"execve"}, *why3[] = {"Run shell\nuntrusted"};
	int lines;

	cr_assert_eq(krules_add_term(kr, open_calls, 1, fields, 2, 1, why1, 1, err, sizeof(err)), 0);
	cr_assert_eq(krules_add_term(kr, open_calls, 1, fields, 2, 1, why2, 2, err, sizeof(err)), 0);
	cr_assert_eq(krules_add_term(kr, exec_calls, 1, NULL, 0, 0, why3, 1, err, sizeof(err)), 0);
	cr_assert_eq(krules_add_proc_needs(kr, KRULES_PROC_EXEC), 0);
	char *out = printed(kr, &lines);

	cr_assert_eq(lines, 4, "comments are not counted as rules");
	cr_assert_str_eq(out,
	                 "# Read sensitive file untrusted; Create Hardlink Over Sensitive Files\n"
	                 "-a always,exit -F arch=b64 -S openat -F success=1 -F path=/etc/shadow "
	                 "-F key=kestrel\n"
	                 "-a always,exit -F arch=b32 -S openat -F success=1 -F path=/etc/shadow "
	                 "-F key=kestrel\n"
	                 "# Run shell untrusted; process table (exec)\n"
	                 "-a always,exit -F arch=b64 -S execve,execveat -F key=kestrel\n"
	                 "-a always,exit -F arch=b32 -S execve,execveat -F key=kestrel\n");
	free(out);
	krules_free(kr);
}

Test(krules, a_term_with_no_reason_gets_no_comment)
{
	require_x86_64();
	struct krules *kr = krules_new(0);
	char err[256];
	const char *calls[] = {"connect"};
	int lines;
	cr_assert_eq(krules_add(kr, calls, 1, 0, err, sizeof(err)), 0);
	char *out = printed(kr, &lines);
	cr_assert_null(strchr(out, '#'), "got: %s", out);
	free(out);
	krules_free(kr);
}

/* ---- a term as the kernel gets it ---- */

static char root[] = "/tmp/kestrel-test-krules-XXXXXX";

static void mk(const char *rel, int dir)
{
	char p[512];
	snprintf(p, sizeof(p), "%s%s", root, rel);
	if (dir)
		cr_assert_eq(mkdir(p, 0755), 0, "mkdir %s", p);
	else {
		FILE *f = fopen(p, "w");
		cr_assert_not_null(f, "create %s", p);
		fclose(f);
	}
}

static void mklink(const char *target, const char *rel)
{
	char p[512];
	snprintf(p, sizeof(p), "%s%s", root, rel);
	cr_assert_eq(symlink(target, p), 0, "symlink %s", p);
}

/* A small root file system: /etc/{shadow,aaaa,bbbb,sub/}, /usr/lib, /lib
 * -> usr/lib, /etc/alt -> /kestrel-only (absolute: must restart at root). */
static void tree_setup(void)
{
	cr_assert_not_null(mkdtemp(root));
	mk("/etc", 1);
	mk("/etc/sub", 1);
	mk("/etc/shadow", 0);
	mk("/etc/aaaa", 0);
	mk("/etc/bbbb", 0);
	mk("/usr", 1);
	mk("/usr/lib", 1);
	mk("/kestrel-only", 1);
	mklink("usr/lib", "/lib");
	mklink("/kestrel-only", "/etc/alt");
}

static void tree_teardown(void)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	cr_expect_eq(system(cmd), 0);
}

/* The index of the first field of type f at or after from, or -1. */
static int field_at(const struct audit_rule_data *r, uint32_t f, uint32_t from)
{
	for (uint32_t i = from; i < r->field_count; i++)
		if (r->fields[i] == f)
			return (int)i;
	return -1;
}

/* The bytes of string field i (its value is its length in buf). */
static const char *str_of(const struct audit_rule_data *r, int i, uint32_t *len)
{
	uint32_t off = 0;
	for (int k = 0; k < i; k++)
		if (r->fields[k] == AUDIT_WATCH || r->fields[k] == AUDIT_DIR ||
		    r->fields[k] == AUDIT_FILTERKEY || r->fields[k] == AUDIT_EXE)
			off += r->values[k];
	*len = r->values[i];
	return r->buf + off;
}

static int has_bit(const struct audit_rule_data *r, int nr)
{
	return (r->mask[nr / 32] >> (nr % 32)) & 1u;
}

/* One-term set; the term is kr->terms[0]. */
static struct krules *one_term(const char *const *calls, size_t n, const char *const *fields,
                               int nf, pid_t pid)
{
	struct krules *kr = krules_new(pid);
	char err[256];
	cr_assert_eq(krules_add_term(kr, calls, n, fields, nf, 0, NULL, 0, err, sizeof(err)), 0,
	             "%s", err);
	return kr;
}

static struct audit_rule_data *build(const struct krules *kr, int arch, const char *key,
                                     size_t klen)
{
	char err[256] = "";
	struct audit_rule_data *r =
	    krules_build_term(kr, &kr->terms[0], arch, root, KRULES_NS_KEEP, key, klen, err,
	                      sizeof(err));
	cr_assert_not_null(r, "%s", err);
	return r;
}

#define KEY1 KRULES_KEY, strlen(KRULES_KEY)

TestSuite(kterm, .init = tree_setup, .fini = tree_teardown);

Test(kterm, syscalls_are_set_per_arch_with_that_arch_numbers)
{
	require_x86_64();
	const char *calls[] = {"execve", "openat", "socketcall"};
	struct krules *kr = one_term(calls, 3, NULL, 0, 0);
	struct audit_rule_data *b64 = build(kr, 0, KEY1), *b32 = build(kr, 1, KEY1);

	cr_assert_str_eq(kr->arch[0].name, "b64");
	/* x86_64: execve 59, openat 257; socketcall does not exist there */
	cr_expect(has_bit(b64, 59) && has_bit(b64, 257));
	cr_expect(!has_bit(b64, 102), "socketcall has no x86_64 number (102 is getuid)");
	/* i386: execve 11, openat 295, socketcall 102 */
	cr_expect(has_bit(b32, 11) && has_bit(b32, 295) && has_bit(b32, 102));
	cr_expect(!has_bit(b32, 59), "59 is i386's oldolduname");
	int a = field_at(b64, AUDIT_ARCH, 0);
	cr_assert_geq(a, 0);
	cr_expect_eq(b64->values[a], (uint32_t)AUDIT_ARCH_X86_64);
	cr_expect_eq(b32->values[field_at(b32, AUDIT_ARCH, 0)], (uint32_t)AUDIT_ARCH_I386);
	cr_expect_eq(field_at(b64, AUDIT_PID, 0), -1, "no exclusion when pid is 0");
	free(b64);
	free(b32);
	krules_free(kr);
}

Test(kterm, field_pairs_become_kernel_fields)
{
	require_x86_64();
	const char *calls[] = {"openat"};
	const char *fields[] = {"success=1", "a2&3", "a1>=64", "path=/etc/shadow", "dir=/lib"};
	struct krules *kr = one_term(calls, 1, fields, 5, 4242);
	struct audit_rule_data *r = build(kr, 0, KEY1);
	uint32_t len;
	int i;

	cr_assert_geq(i = field_at(r, AUDIT_PID, 0), 0);
	cr_expect_eq(r->fieldflags[i], AUDIT_NOT_EQUAL);
	cr_expect_eq(r->values[i], 4242u);
	cr_assert_geq(i = field_at(r, AUDIT_SUCCESS, 0), 0);
	cr_expect_eq(r->fieldflags[i], AUDIT_EQUAL);
	cr_expect_eq(r->values[i], 1u);
	cr_assert_geq(i = field_at(r, AUDIT_ARG2, 0), 0);
	cr_expect_eq(r->fieldflags[i], AUDIT_BIT_MASK);
	cr_expect_eq(r->values[i], 3u);
	cr_assert_geq(i = field_at(r, AUDIT_ARG1, 0), 0);
	cr_expect_eq(r->fieldflags[i], AUDIT_GREATER_THAN_OR_EQUAL);
	cr_expect_eq(r->values[i], 64u);
	cr_assert_geq(i = field_at(r, AUDIT_WATCH, 0), 0);
	const char *s = str_of(r, i, &len);
	cr_expect(len == 11 && memcmp(s, "/etc/shadow", 11) == 0, "path: %.*s", (int)len, s);
	/* dir=/lib is a symlink to usr/lib inside the root: the real directory */
	cr_assert_geq(i = field_at(r, AUDIT_DIR, 0), 0);
	s = str_of(r, i, &len);
	cr_expect(len == 8 && memcmp(s, "/usr/lib", 8) == 0, "dir: %.*s", (int)len, s);
	/* the key is the last field */
	cr_assert_eq(field_at(r, AUDIT_FILTERKEY, 0), (int)r->field_count - 1);
	s = str_of(r, (int)r->field_count - 1, &len);
	cr_expect(len == 7 && memcmp(s, "kestrel", 7) == 0);
	free(r);
	krules_free(kr);
}

Test(kterm, namespace_rule_carries_a_two_part_key)
{
	require_x86_64();
	static const char key[] = "kestrel\x01mntns=4026532201";
	const char *calls[] = {"openat"}, *fields[] = {"path=/etc/shadow"};
	struct krules *kr = one_term(calls, 1, fields, 1, 0);
	struct audit_rule_data *r = build(kr, 0, key, sizeof(key) - 1);
	uint32_t len;
	int i = field_at(r, AUDIT_FILTERKEY, 0);

	cr_assert_geq(i, 0);
	const char *s = str_of(r, i, &len);
	cr_expect_eq(len, sizeof(key) - 1);
	cr_expect(memcmp(s, key, sizeof(key) - 1) == 0);
	cr_expect_eq(krules_rule_is_ours(r), 1);
	free(r);
	krules_free(kr);
}

Test(kterm, drop_mode_leaves_path_fields_out)
{
	require_x86_64();
	const char *calls[] = {"openat"}, *fields[] = {"a2&3", "path=/etc/shadow", "exe=/bin/x"};
	struct krules *kr = one_term(calls, 1, fields, 3, 0);
	char err[256];
	struct audit_rule_data *r = krules_build_term(kr, &kr->terms[0], 0, root, KRULES_NS_DROP,
	                                              KEY1, err, sizeof(err));
	cr_assert_not_null(r, "%s", err);
	cr_expect_eq(field_at(r, AUDIT_WATCH, 0), -1);
	cr_expect_eq(field_at(r, AUDIT_EXE, 0), -1);
	cr_expect_geq(field_at(r, AUDIT_ARG2, 0), 0);
	free(r);
	krules_free(kr);
}

/* ---- identity and ownership ---- */

static struct audit_rule_data *build_fields(const char *f1, const char *key, size_t klen)
{
	const char *calls[] = {"openat"}, *fields[] = {"success=1", f1};
	struct krules *kr = one_term(calls, 1, fields, f1 ? 2 : 1, 77);
	struct audit_rule_data *r = build(kr, 0, key, klen);
	krules_free(kr);
	return r;
}

Test(kterm, rules_are_equal_only_with_the_same_strings)
{
	require_x86_64();
	struct audit_rule_data *a = build_fields("path=/etc/aaaa", KEY1);
	struct audit_rule_data *a2 = build_fields("path=/etc/aaaa", KEY1);
	/* same length, other bytes: only the string buffer differs */
	struct audit_rule_data *b = build_fields("path=/etc/bbbb", KEY1);
	struct audit_rule_data *d = build_fields("dir=/etc/sub", KEY1);
	struct audit_rule_data *d2 = build_fields("dir=/etc/sub", KEY1);
	struct audit_rule_data *dk = build_fields("dir=/etc/sub", "kestrex", 7);
	struct audit_rule_data *dns = build_fields("dir=/etc/sub", "kestrel\x01mntns=1", 15);

	cr_expect_eq(krules_rule_equal(a, a2), 1);
	cr_expect_eq(a->buflen, b->buflen);
	cr_expect_eq(krules_rule_equal(a, b), 0, "path /etc/aaaa vs /etc/bbbb");
	cr_expect_eq(krules_rule_equal(d, d2), 1);
	cr_expect_eq(krules_rule_equal(a, d), 0, "path= vs dir=");
	cr_expect_eq(krules_rule_equal(d, dk), 0, "key kestrel vs kestrex");
	cr_expect_eq(krules_rule_equal(d, dns), 0, "host key vs namespace key");
	free(a), free(a2), free(b), free(d), free(d2), free(dk), free(dns);
}

Test(kterm, a_rule_is_ours_when_a_key_component_is_exactly_kestrel)
{
	require_x86_64();
	static const struct {
		const char *key;
		int ours;
	} cases[] = {
	    {"kestrel", 1},           {"kestrel\x01mntns=4026532201", 1},
	    {"foo\x01kestrel", 1},    {"kestrel\x01", 1},
	    {"kestrelx", 0},          {"xkestrel", 0},
	    {"foo\x01" "bar", 0},     {"kestrel_test_foreign", 0},
	    {"kestre\x01l", 0},       {"foo\x01kestrelx\x01" "bar", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* the key after a path= string: its offset in buf is not 0 */
		struct audit_rule_data *r =
		    build_fields("path=/etc/shadow", cases[i].key, strlen(cases[i].key));
		cr_expect_eq(krules_rule_is_ours(r), cases[i].ours, "key '%s'", cases[i].key);
		free(r);
	}
}

Test(krules, namespace_rule_removed_by_the_kernel_is_not_someone_elses)
{
	/* the kernel logs a key with a control byte hex-encoded, unquoted;
	 * this one is "kestrel\001mntns=4026532201" */
	cr_expect_eq(IS_REMOVAL("auid=4294967295 ses=4294967295 subj=unconfined "
	                        "op=remove_rule key=6B65737472656C016D6E746E733D34303236353332323031 "
	                        "list=4 res=1"),
	             0);
	/* the same record for the host rule is a removal */
	cr_expect_eq(IS_REMOVAL("auid=4294967295 ses=4294967295 subj=unconfined "
	                        "op=remove_rule key=\"kestrel\" list=4 res=1"),
	             1);
}

/* ---- path= / dir= names inside a root ---- */

struct resolved {
	char name[512];
	int is_dir, widened;
};

static struct resolved resolve(const char *path, int is_dir)
{
	struct resolved r;
	cr_assert_eq(kpath_resolve(root, path, is_dir, r.name, sizeof(r.name), &r.is_dir,
	                           &r.widened),
	             0, "%s", path);
	return r;
}

#define EXPECT_RESOLVED(path, dir, want, want_dir, want_widened)                               \
	do {                                                                                   \
		struct resolved r_ = resolve(path, dir);                                       \
		cr_expect_str_eq(r_.name, want, "%s", path);                                   \
		cr_expect_eq(r_.is_dir, want_dir, "%s: is_dir", path);                         \
		cr_expect_eq(r_.widened, want_widened, "%s: widened", path);                   \
	} while (0)

Test(kterm, existing_names_resolve_as_given_or_through_links)
{
	EXPECT_RESOLVED("/etc/shadow", 0, "/etc/shadow", 0, 0);
	EXPECT_RESOLVED("/etc/sub", 1, "/etc/sub", 1, 0);
	EXPECT_RESOLVED("/lib", 1, "/usr/lib", 1, 0);
	/* an absolute link target restarts at the root, not at the host's / */
	EXPECT_RESOLVED("/etc/alt", 1, "/kestrel-only", 1, 0);
	EXPECT_RESOLVED("/etc/./sub/../shadow", 0, "/etc/shadow", 0, 0);
}

Test(kterm, missing_names_widen_to_the_nearest_existing_directory)
{
	/* a file that may appear later in an existing directory: still a watch */
	EXPECT_RESOLVED("/etc/newfile", 0, "/etc/newfile", 0, 0);
	/* its directory is missing: a tree on the nearest one that exists */
	EXPECT_RESOLVED("/etc/nodir/file", 0, "/etc", 1, 1);
	EXPECT_RESOLVED("/etc/sub/a/b/c", 1, "/etc/sub", 1, 1);
	EXPECT_RESOLVED("/lib/missing/x", 1, "/usr/lib", 1, 1);
	EXPECT_RESOLVED("/nothing/here", 1, "/", 1, 1);
	/* dir= on a file: its directory */
	EXPECT_RESOLVED("/etc/shadow", 1, "/etc", 1, 1);
	/* a path below a file is under that file's directory */
	EXPECT_RESOLVED("/etc/shadow/x", 0, "/etc", 1, 1);
}
