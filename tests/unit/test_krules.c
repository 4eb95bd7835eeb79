/*
 * test_krules.c — the kernel rule set without the kernel: what
 * krules_print says for given syscall groups (auditctl syntax, per arch,
 * pid exclusion, success filter), name checking, and recognising
 * CONFIG_CHANGE records that remove kestrel's rules.
 */
#include <criterion/criterion.h>
#include <libaudit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/krules.h"

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
	cr_assert_str_eq(out, "-a always,exit -F arch=b64 -S execve,execveat -F pid!=4242 -F "
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
