/*
 * test_kfilter.c — the kernel-filter compiler (engine/kfilter.h): each
 * derivation from a small rule to the expected auditctl lines (written by
 * hand from audit semantics), and the soundness test: every event of every
 * recorded log in the tree that fires a rule of the default or of the
 * unmodified upstream stable ruleset passes the precise filters, which also
 * reject most events that fire nothing.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/pipeline.h"
#include "engine/engine.h"
#include "engine/kfilter.h"
#include "proc/proc.h"
#include "source/replay.h"
#include "testutil.h"

#define UPSTREAM_STABLE "fixtures/falco/falco_rules.yaml"

#define HDR                                                                                        \
	"- macro: ow\n  condition: (evt.type in (open, openat, openat2) and evt.res = SUCCESS "    \
	"and evt.is_open_write = true)\n"
#define RULE(name, cond)                                                                           \
	"- rule: " name "\n  desc: d\n  condition: " cond "\n  output: o\n  priority: WARNING\n"

static char *compile_print(const char *yaml, const char *rule, const char **cls)
{
	struct engine *e = engine_new();
	struct engine_diag *d = engine_diag_new();
	struct kfilter_set *s;
	char err[256], *buf = NULL;
	size_t len = 0;

	cr_assert_geq(engine_add_buffer(e, "t.yaml", yaml, strlen(yaml), d), 0);
	cr_assert_geq(engine_compile(e, d), 0);
	cr_assert_eq(kfilter_build(e, 1, &s, err, sizeof(err)), 0, "%s", err);
	FILE *f = open_memstream(&buf, &len);
	kfilter_print(s, "b64", f);
	fclose(f);
	static char clsbuf[256];
	snprintf(clsbuf, sizeof(clsbuf), "%s", kfilter_rule_class(s, rule));
	*cls = clsbuf;
	kfilter_free(s);
	engine_free(e);
	engine_diag_free(d);
	return buf;
}

static void expect(const char *yaml, const char *rule, const char *lines, const char *cls)
{
	const char *got_cls;
	char *got = compile_print(yaml, rule, &got_cls);
	cr_assert_str_eq(got, lines);
	cr_assert_str_eq(got_cls, cls);
	free(got);
}

Test(kfilter, write_under_prefix)
{
	expect(HDR RULE("W", "ow and fd.name startswith /etc/sudoers.d/"), "W",
	       "# W\n-a always,exit -F arch=b64 -S open -F success=1 -F a1&3 -F dir=/etc/sudoers.d "
	       "-F key=kestrel\n"
	       "# W\n-a always,exit -F arch=b64 -S openat -F success=1 -F a2&3 -F "
	       "dir=/etc/sudoers.d -F key=kestrel\n"
	       "# W\n-a always,exit -F arch=b64 -S openat2 -F success=1 -F dir=/etc/sudoers.d -F "
	       "key=kestrel\n",
	       "narrow");
}

/* pmatch matches an entry and what is below it, by whole components: the
 * entry itself is the directory (not its parent); a glob entry is bounded
 * by the directory of its fixed prefix. */
Test(kfilter, pmatch_entry_is_its_own_directory)
{
	expect(HDR RULE("L", "ow and fd.name pmatch (/var/log, /opt/*/bin)"), "L",
	       "# L\n-a always,exit -F arch=b64 -S open -F success=1 -F a1&3 -F dir=/var/log "
	       "-F key=kestrel\n"
	       "# L\n-a always,exit -F arch=b64 -S open -F success=1 -F a1&3 -F dir=/opt "
	       "-F key=kestrel\n"
	       "# L\n-a always,exit -F arch=b64 -S openat -F success=1 -F a2&3 -F dir=/var/log "
	       "-F key=kestrel\n"
	       "# L\n-a always,exit -F arch=b64 -S openat -F success=1 -F a2&3 -F dir=/opt "
	       "-F key=kestrel\n"
	       "# L\n-a always,exit -F arch=b64 -S openat2 -F success=1 -F dir=/var/log "
	       "-F key=kestrel\n"
	       "# L\n-a always,exit -F arch=b64 -S openat2 -F success=1 -F dir=/opt "
	       "-F key=kestrel\n",
	       "narrow");
}

Test(kfilter, files_and_partial_prefix)
{
	expect(RULE("R", "evt.type = openat and (fd.name in (/etc/shadow, /etc/gshadow) or fd.name "
	                 "startswith /etc/shad)"),
	       "R",
	       "# R\n-a always,exit -F arch=b64 -S openat -F path=/etc/shadow -F key=kestrel\n"
	       "# R\n-a always,exit -F arch=b64 -S openat -F path=/etc/gshadow -F key=kestrel\n"
	       "# R\n-a always,exit -F arch=b64 -S openat -F dir=/etc -F key=kestrel\n",
	       "narrow");
}

Test(kfilter, negation_never_narrows)
{
	expect(RULE("N", "evt.type = openat and not fd.name startswith /usr"), "N",
	       "# N\n-a always,exit -F arch=b64 -S openat -F key=kestrel\n",
	       "broad: every openat on the host");
}

Test(kfilter, trunc_socket_ptrace_dup)
{
	expect(RULE("T", "evt.type in (open, openat) and evt.arg.flags contains O_TRUNC"), "T",
	       "# T\n-a always,exit -F arch=b64 -S open -F a1&512 -F key=kestrel\n"
	       "# T\n-a always,exit -F arch=b64 -S openat -F a2&512 -F key=kestrel\n",
	       "narrow");
	expect(RULE("P", "evt.type = socket and evt.arg.domain contains AF_PACKET"), "P",
	       "# P\n-a always,exit -F arch=b64 -S socket -F a0=17 -F key=kestrel\n", "narrow");
	expect(RULE("A", "evt.type = ptrace and evt.arg.request in (PTRACE_ATTACH, PTRACE_SEIZE)"),
	       "A",
	       "# A\n-a always,exit -F arch=b64 -S ptrace -F a0=16 -F key=kestrel\n"
	       "# A\n-a always,exit -F arch=b64 -S ptrace -F a0=16902 -F key=kestrel\n",
	       "narrow");
	expect(
	    RULE("D", "evt.type in (dup2, dup3) and evt.rawres in (0, 1, 2)"), "D",
	    "# D\n-a always,exit -F arch=b64 -S dup2,dup3 -F success=1 -F exit<=2 -F key=kestrel\n",
	    "narrow");
}

/* The syscalls that feed state a rule reads on another syscall: socket
 * for fd.l4proto on connect (its SOCKADDR has no protocol), chdir/fchdir
 * for proc.cwd on a syscall without a CWD record, also when negated (a
 * stale cwd can hide a match); none for proc.cwd on execve (its records
 * carry the CWD). */
static void expect_has(const char *yaml, const char *line, int want)
{
	const char *cls;
	char *got = compile_print(yaml, "R", &cls);
	cr_assert_eq(strstr(got, line) != NULL, want, "%s '%s' in:\n%s", want ? "no" : "unexpected",
	             line, got);
	free(got);
}

Test(kfilter, state_feeders_for_l4proto_and_cwd)
{
	expect_has(RULE("R", "evt.type = connect and fd.l4proto = tcp"), "socket,socketpair", 1);
	expect_has(RULE("R", "evt.type = connect and fd.sport = 4444"), "socket", 0);
	expect_has(RULE("R", "evt.type = socket and fd.l4proto = tcp"), "accept", 0);
	expect_has(RULE("R", "evt.type = connect and proc.cwd startswith /tmp/"),
	           "-S chdir,fchdir -F success=1", 1);
	expect_has(RULE("R", "evt.type = connect and not proc.cwd startswith /tmp/"),
	           "-S chdir,fchdir -F success=1", 1);
	expect_has(RULE("R", "evt.type = execve and proc.cwd startswith /dev/shm/"), "chdir", 0);
}

Test(kfilter, exec_uid_and_merge)
{
	expect(RULE("X", "evt.type = execve and user.uid = 0")
	           RULE("Y", "evt.type = execveat and user.uid = 0"),
	       "X",
	       "# X, Y\n-a always,exit -F arch=b64 -S execve,execveat -F uid=0 -F key=kestrel\n",
	       "exec");
}

/* The upstream "Read sensitive file untrusted" shape: files and directories
 * ORed, then exceptions whose negated conjunctions ("not (A and B)") once
 * multiplied the terms past the widening limit and made the rule broad. */
#define OPEN_READ                                                                                  \
	"(evt.type in (open, openat, openat2) and evt.is_open_read = true and fd.num >= 0)"
#define SENSITIVE                                                                                  \
	"(fd.name in (/etc/shadow, /etc/sudoers) or fd.directory in (/etc/sudoers.d, /etc/pam.d))"
#define EXC(i) " and not (proc.name = a" #i " and proc.pname = b" #i ")"

Test(kfilter, files_or_directories_under_exceptions)
{
	expect(RULE("S", OPEN_READ " and " SENSITIVE EXC(1) EXC(2) EXC(3) EXC(4) EXC(5) EXC(6)
	                     EXC(7) EXC(8) " and not proc.name in (sudo, su)"),
	       "S",
	       "# S\n-a always,exit -F arch=b64 -S open,openat,openat2 -F success=1 -F "
	       "path=/etc/shadow -F key=kestrel\n"
	       "# S\n-a always,exit -F arch=b64 -S open,openat,openat2 -F success=1 -F "
	       "path=/etc/sudoers -F key=kestrel\n"
	       "# S\n-a always,exit -F arch=b64 -S open,openat,openat2 -F success=1 -F "
	       "dir=/etc/sudoers.d -F key=kestrel\n"
	       "# S\n-a always,exit -F arch=b64 -S open,openat,openat2 -F success=1 -F "
	       "dir=/etc/pam.d -F key=kestrel\n",
	       "narrow");
}

/* Minimisation across rules: a kernel rule is dropped for a syscall that
 * another one has with a subset of its fields, and the rule it served is
 * named on the one that stays; other syscalls of the dropped one stay. */
Test(kfilter, subsumed_terms_dropped)
{
	expect(HDR RULE("P", "ow and evt.type = open") RULE("Q", "ow and fd.name startswith /etc/"),
	       "Q",
	       "# P, Q\n-a always,exit -F arch=b64 -S open -F success=1 -F a1&3 -F key=kestrel\n"
	       "# Q\n-a always,exit -F arch=b64 -S openat -F success=1 -F a2&3 -F dir=/etc -F "
	       "key=kestrel\n"
	       "# Q\n-a always,exit -F arch=b64 -S openat2 -F success=1 -F dir=/etc -F "
	       "key=kestrel\n",
	       "narrow");
	/* the broad term covers the narrow one on openat only; the class of
	 * each rule is its own */
	expect(HDR RULE("B", "evt.type in (openat, unlink) and evt.res = SUCCESS")
	           RULE("N", "evt.type in (openat, unlinkat) and evt.res = SUCCESS and "
	                     "evt.arg.flags contains O_TRUNC and user.uid = 0"),
	       "N",
	       "# B, N\n-a always,exit -F arch=b64 -S openat,unlink -F success=1 -F key=kestrel\n"
	       "# N\n-a always,exit -F arch=b64 -S unlinkat -F success=1 -F uid=0 -F "
	       "key=kestrel\n",
	       "narrow");
	/* a subset in the other order, and equal terms of two rules */
	expect(RULE("S", "evt.type = ptrace and evt.arg.request = PTRACE_ATTACH and user.uid = 0")
	           RULE("T", "evt.type = ptrace and evt.arg.request = PTRACE_ATTACH"),
	       "S", "# T, S\n-a always,exit -F arch=b64 -S ptrace -F a0=16 -F key=kestrel\n",
	       "narrow");
}

/* Two alternatives on the same syscalls, neither bounded there (the socket
 * domain applies to socket only; the failed open is no constraint): the
 * rule's two kernel rules per open call (the one with no field subsumes the
 * other in the set), and each syscall is named once in the class. */
Test(kfilter, broad_class_names_each_syscall_once)
{
	expect(RULE("B", "((evt.type in (open, openat, socket) and evt.arg.domain = AF_INET and "
	                 "evt.res = SUCCESS) or (evt.type in (open, openat) and fd.num = -1)) and "
	                 "fd.name contains id_rsa"),
	       "B",
	       "# B\n-a always,exit -F arch=b64 -S socket -F success=1 -F a0=2 -F key=kestrel\n"
	       "# B\n-a always,exit -F arch=b64 -S open,openat -F key=kestrel\n",
	       "broad: every open, openat on the host");
}

/* The field pairs libaudit's audit_rule_fieldpair_data() parses, one per
 * field, in order; kfilter_print renders the same text. */
Test(kfilter, fieldpairs)
{
	struct kf_term t = {0};
	char out[8][KFILTER_FIELD_TEXT];
	static const char *const want[] = {"a2&3",
	                                   "a1&=512",
	                                   "a0=17",
	                                   "success=1",
	                                   "exit<=2",
	                                   "uid>=1000",
	                                   "path=/etc/shadow",
	                                   "dir=/etc/sudoers.d"};
	const struct kf_field f[] = {
	    {KF_A2, KF_BITANY, 3, NULL},        {KF_A1, KF_BITALL, 512, NULL},
	    {KF_A0, KF_EQ, 17, NULL},           {KF_SUCCESS, KF_EQ, 1, NULL},
	    {KF_EXIT, KF_LE, 2, NULL},          {KF_UID, KF_GE, 1000, NULL},
	    {KF_PATH, KF_EQ, 0, "/etc/shadow"}, {KF_DIR, KF_EQ, 0, "/etc/sudoers.d"}};

	t.nf = 8;
	memcpy(t.f, f, sizeof(f));
	cr_assert_eq(kfilter_term_fieldpairs(&t, out, 8), 8);
	for (int i = 0; i < 8; i++)
		cr_assert_str_eq(out[i], want[i]);
	cr_assert_eq(kfilter_term_fieldpairs(&t, out, 7), -1, "max below the field count");
	t.f[0] = (struct kf_field){KF_EXE, KF_EQ, 0, "/usr/bin/x"};
	cr_assert_eq(kfilter_term_fieldpairs(&t, out, 1), -1);
	t.nf = 1;
	cr_assert_eq(kfilter_term_fieldpairs(&t, out, 1), 1);
	cr_assert_str_eq(out[0], "exe=/usr/bin/x");
	char small[8];
	cr_assert_eq(kfilter_field_text(&f[6], small, sizeof(small)), -1, "does not fit");

	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	t.nf = 8;
	memcpy(t.f, f, sizeof(f));
	kfilter_print_fields(&t, m);
	fclose(m);
	cr_assert_str_eq(buf, "-F a2&3 -F a1&=512 -F a0=17 -F success=1 -F exit<=2 -F uid>=1000 "
	                      "-F path=/etc/shadow -F dir=/etc/sudoers.d");
	free(buf);
}

/* Every field of every compiled term renders, and a path longer than the
 * kernel takes bounds nothing (no field that could not be installed). */
Test(kfilter, fieldpairs_of_compiled_terms)
{
	char longp[5000], yaml[6000];
	memset(longp, 'a', sizeof(longp));
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	snprintf(yaml, sizeof(yaml), RULE("L", "evt.type = openat and fd.name = %s"), longp);
	expect(yaml, "L", "# L\n-a always,exit -F arch=b64 -S openat -F key=kestrel\n",
	       "broad: every openat on the host");
}

/* ---- soundness over recorded logs ---- */

struct snd {
	struct engine *e;
	struct proc_table *procs;
	struct kfilter_set *precise, *broad;
	int fired;
	long events, firing, missed, quiet, quiet_rejected, broad_quiet;
};

static const struct proc *s_self(void *ctx, const struct kevent *ev)
{
	return ev->proc ? ev->proc : proc_table_get(((struct snd *)ctx)->procs, ev->pid);
}
static const struct proc *s_get(void *ctx, int64_t pid)
{
	return proc_table_get(((struct snd *)ctx)->procs, pid);
}
static const struct proc *s_parent(void *ctx, const struct proc *p)
{
	return proc_table_parent(((struct snd *)ctx)->procs, p);
}
static const struct container_info *s_ct(void *ctx, const struct proc *p)
{
	return proc_table_container(((struct snd *)ctx)->procs, p);
}
static const struct engine_procsrc s_src = {
    .self = s_self, .get = s_get, .parent = s_parent, .container = s_ct};

static void s_alert(const struct alert *a, void *arg)
{
	struct snd *s = arg;
	s->fired = 1;
	(void)a;
}

static void s_event(struct kevent *ev, void *arg)
{
	struct snd *s = arg;

	proc_table_update(s->procs, ev);
	if (!ev->has_syscall)
		return;
	s->fired = 0;
	engine_eval_with(s->e, ev, &s_src, s, s_alert, s);
	s->events++;
	int pass = kfilter_match(s->precise, ev);
	if (s->fired) {
		s->firing++;
		if (!pass) {
			s->missed++;
			fprintf(stderr, "MISSED: %s serial %llu\n",
			        ev->syscall_name ? ev->syscall_name : "?",
			        (unsigned long long)ev->serial);
		}
	} else if (kfilter_match(s->broad, ev) &&
	           strncmp(ev->syscall_name ? ev->syscall_name : "", "execve", 6)) {
		s->broad_quiet++;
		s->quiet_rejected += !pass;
	}
}

static void soundness(const char *rules, int must_narrow)
{
	const char *src = getenv("KESTREL_SRCDIR");
	char path[2048], err[256];
	struct engine_diag *d = engine_diag_new();
	struct snd s = {0};
	const char *pats[] = {"/tests/fixtures/rules-replay/*.log", "/tests/fixtures/audit/*.log",
	                      "/../shared/fixtures/audit/*/*.log",
	                      "/../shared/fixtures/audit/*/*.txt"};

	src = src ? src : ".";
	snprintf(path, sizeof(path), "%s/%s", src, rules);
	const char *p[] = {path};
	s.e = engine_new();
	engine_set_matching(s.e, ENGINE_MATCH_ALL);
	cr_assert_geq(engine_load(s.e, p, 1, d), 0, "%s does not load", path);
	cr_assert_eq(kfilter_build(s.e, 1, &s.precise, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(kfilter_build(s.e, 0, &s.broad, err, sizeof(err)), 0, "%s", err);
	for (size_t k = 0; k < sizeof(pats) / sizeof(pats[0]); k++) {
		glob_t g;
		snprintf(path, sizeof(path), "%s%s", src, pats[k]);
		if (glob(path, 0, NULL, &g) != 0)
			continue;
		for (size_t i = 0; i < g.gl_pathc; i++) {
			struct pipeline pl;
			if (strstr(g.gl_pathv[i], "SOURCE.txt"))
				continue;
			s.procs = proc_table_new(PROC_TABLE_REPLAY);
			cr_assert_eq(pipeline_init(&pl, ASM_REPLAY, s_event, &s), 0);
			replay_file(g.gl_pathv[i], &pl);
			pipeline_fini(&pl);
			proc_table_free(s.procs);
		}
		globfree(&g);
	}
	fprintf(stderr,
	        "%s: %zu kernel rules precise, %zu broad; %ld events, %ld fire a rule, %ld of "
	        "them missed by precise filters; %ld quiet non-exec events pass broad, precise "
	        "rejects %ld\n",
	        rules, kfilter_count(s.precise), kfilter_count(s.broad), s.events, s.firing,
	        s.missed, s.broad_quiet, s.quiet_rejected);
	cr_assert_gt(s.firing, 0);
	cr_assert_eq(s.missed, 0, "%ld firing events fail the precise filters", s.missed);
	for (size_t i = 0; i < kfilter_rule_count(s.precise); i++)
		fprintf(stderr, "  class %s: %s\n", kfilter_rule_name(s.precise, i),
		        kfilter_rule_class(s.precise, kfilter_rule_name(s.precise, i)));
	if (must_narrow) /* the upstream rules mostly do not narrow yet: reported above */
		cr_assert_geq(s.quiet_rejected * 2, s.broad_quiet,
		              "precise filters reject under half the quiet events");
	kfilter_free(s.precise);
	kfilter_free(s.broad);
	engine_free(s.e);
	engine_diag_free(d);
}

Test(kfilter, sound_default_rules)
{
	soundness("rules/kestrel_rules.yaml", 1);
}

Test(kfilter, sound_upstream_stable_rules)
{
	if (!tu_shared_has(UPSTREAM_STABLE))
		cr_skip_test("shared fixture %s missing", UPSTREAM_STABLE);
	soundness("../shared/" UPSTREAM_STABLE, 0);
}

/* Without the shared fixtures a passing run is reported as SKIP. */
TU_MAIN_PARTLY_SHARED(UPSTREAM_STABLE)
