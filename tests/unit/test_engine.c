/*
 * test_engine.c — condition language and evaluation: every operator,
 * modifiers, transformers, precedence, unknown values, fields over a
 * hand-built event and process world, outputs, event-type index,
 * rule_matching and the per-event field cache.
 */
#include <criterion/criterion.h>

#include "engine_testutil.h"

static struct test_world W;
static struct container_info ct_docker = {
    .type = CT_DOCKER,
    .id = "3ad7b26ded6d",
    .name = "web",
    .image = "nginx:1.25",
    .image_repository = "nginx",
    .image_tag = "1.25",
    .privileged = 0,
};
static const char *bash_argv[] = {"bash", "-c", "cat /etc/shadow"};

/* bash (100) <- runc (99) <- containerd-shim (98) <- systemd (1) */
static void world(void)
{
	memset(&W, 0, sizeof(W));
	tw_add(&W, 1, 0, "systemd", "/usr/lib/systemd/systemd", NULL);
	tw_add(&W, 98, 1, "containerd-shim", "/usr/bin/containerd-shim-runc-v2", NULL);
	tw_add(&W, 99, 98, "runc", "/usr/bin/runc", &ct_docker);
	struct proc *b = tw_add(&W, 100, 99, "bash", "/bin/bash", &ct_docker);
	b->argc = 3;
	b->argv = (char **)bash_argv;
	b->tty = 34816;
	b->cwd = "/root";
}

static struct kevent exec_ev(void)
{
	struct kevent ev = tw_event("execve", 100, 99, "bash", "/bin/bash");
	ev.argc = ev.nargv = 3;
	ev.argv = bash_argv;
	ev.tty = "pts0";
	ev.cwd = "/root";
	return ev;
}

static struct kev_path open_paths[2];

static struct kevent open_ev(const char *name, uint64_t flags)
{
	struct kevent ev = tw_event("openat", 100, 99, "bash", "/bin/bash");
	ev.syscall = 257;
	ev.a[0] = (uint64_t)-100;
	ev.a[2] = flags;
	ev.exit = 3;
	ev.cwd = "/root";
	memset(open_paths, 0, sizeof(open_paths));
	open_paths[0].item = 0;
	open_paths[0].name = name;
	open_paths[0].nametype = "NORMAL";
	open_paths[0].mode = 0100644;
	open_paths[0].inode = KEV_UNSET;
	ev.npaths = 1;
	ev.paths = open_paths;
	return ev;
}

#define MATCH(cond, ev) cr_assert_eq(tw_matches((cond), &W, &(ev)), 1, "expected match: %s", cond)
#define NOMATCH(cond, ev)                                                                          \
	cr_assert_eq(tw_matches((cond), &W, &(ev)), 0, "expected no match: %s", cond)
#define BADRULE(cond, ev)                                                                          \
	cr_assert_eq(tw_matches((cond), &W, &(ev)), -1, "expected load error: %s", cond)

TestSuite(engine, .init = world);

Test(engine, equal_operators_compare_strings_and_numbers)
{
	struct kevent ev = exec_ev();
	MATCH("proc.name = bash", ev);
	MATCH("proc.name == bash", ev);
	NOMATCH("proc.name = bas", ev);
	MATCH("proc.pid = 100", ev);
	MATCH("proc.pid = 0x64", ev);
	NOMATCH("proc.pid = 101", ev);
}

Test(engine, not_equal_operator)
{
	struct kevent ev = exec_ev();
	MATCH("proc.name != sh", ev);
	NOMATCH("proc.name != bash", ev);
	MATCH("proc.tty != 0", ev);
}

Test(engine, ordering_operators_on_numbers)
{
	struct kevent ev = exec_ev();
	MATCH("proc.pid < 101", ev);
	NOMATCH("proc.pid < 100", ev);
	MATCH("proc.pid <= 100", ev);
	MATCH("proc.pid > 99", ev);
	NOMATCH("proc.pid > 100", ev);
	MATCH("proc.pid >= 100", ev);
	NOMATCH("proc.pid >= 101", ev);
}

Test(engine, contains_and_icontains)
{
	struct kevent ev = exec_ev();
	MATCH("proc.cmdline contains /etc/shadow", ev);
	NOMATCH("proc.cmdline contains /etc/passwd", ev);
	MATCH("proc.cmdline icontains /ETC/SHADOW", ev);
	NOMATCH("proc.cmdline contains /ETC/SHADOW", ev);
}

/* As in Falco: byte operators take hex bytes and only byte-buffer fields
 * (evt.buffer, which audit cannot supply: the rule loads, skipped). */
Test(engine, bcontains_and_bstartswith_take_hex_bytes_on_buffers_only)
{
	struct kevent ev = exec_ev();
	cr_assert_eq(tw_matches("evt.buffer bcontains 2f62617368", &W, &ev), 0);
	cr_assert_eq(tw_matches("evt.buffer bstartswith 2f62696e", &W, &ev), 0);
	BADRULE("evt.buffer bcontains xyz", ev);
	BADRULE("proc.exepath bcontains 2f62617368", ev);
	BADRULE("proc.exepath bstartswith 2f62696e", ev);
}

Test(engine, startswith_and_endswith)
{
	struct kevent ev = open_ev("/etc/shadow", O_RDONLY);
	MATCH("fd.name startswith /etc/", ev);
	NOMATCH("fd.name startswith /usr/", ev);
	MATCH("fd.name endswith shadow", ev);
	NOMATCH("fd.name endswith passwd", ev);
}

Test(engine, startswith_alternatives_are_merged_into_a_prefix_set)
{
	struct kevent ev = open_ev("/usr/local/bin/x", O_RDONLY);
	MATCH(
	    "fd.name startswith /bin or fd.name startswith /usr/local or fd.name startswith /sbin",
	    ev);
	MATCH("fd.name startswith /usr or fd.name startswith /usr/local/bin/", ev);
	NOMATCH(
	    "fd.name startswith /bin or fd.name startswith /usr/share or fd.name startswith /u/",
	    ev);
}

Test(engine, in_operator_matches_list_member)
{
	struct kevent ev = exec_ev();
	MATCH("proc.name in (sh, bash, zsh)", ev);
	NOMATCH("proc.name in (sh, zsh)", ev);
	MATCH("proc.name in (\"bash\", 'ksh')", ev);
	MATCH("proc.pid in (1, 100)", ev);
	NOMATCH("proc.name in ()", ev);
}

Test(engine, intersects_on_single_value_field)
{
	struct kevent ev = exec_ev();
	MATCH("proc.name intersects (bash, dash)", ev);
	NOMATCH("proc.name intersects (dash)", ev);
}

Test(engine, pmatch_matches_path_prefixes_at_directory_boundaries)
{
	struct kevent ev = open_ev("/etc/ssh/sshd_config", O_RDONLY);
	MATCH("fd.name pmatch (/etc/ssh, /var)", ev);
	MATCH("fd.name pmatch (/etc/ssh/sshd_config)", ev);
	NOMATCH("fd.name pmatch (/etc/ss, /var)", ev);
	MATCH("fd.name pmatch (/etc/)", ev);
}

Test(engine, exists_is_false_for_unknown_values)
{
	struct kevent ev = exec_ev();
	MATCH("proc.pname exists", ev);
	NOMATCH("fd.name exists", ev); /* an exec has no fd */
	MATCH("not fd.name exists", ev);
	/* ancestors past the top do not exist */
	NOMATCH("proc.aname[9] exists", ev);
}

Test(engine, comparisons_on_unknown_values_are_false)
{
	struct kevent ev = exec_ev();
	NOMATCH("fd.name = /etc", ev);
	NOMATCH("fd.name != /etc", ev);
	NOMATCH("fd.name in (/etc)", ev);
	MATCH("not fd.name != /etc", ev);
}

Test(engine, glob_and_iglob)
{
	struct kevent ev = open_ev("/var/log/syslog.1", O_RDONLY);
	MATCH("fd.name glob '/var/log/*.1'", ev);
	NOMATCH("fd.name glob '/var/log/*.2'", ev);
	MATCH("fd.name iglob '/VAR/LOG/SYSLOG.?'", ev);
	NOMATCH("fd.name glob '/VAR/LOG/SYSLOG.?'", ev);
}

Test(engine, regex_is_an_anchored_full_match)
{
	struct kevent ev = exec_ev();
	MATCH("proc.name regex 'ba.h'", ev);
	NOMATCH("proc.name regex 'as'", ev); /* substring only: no match */
	MATCH("proc.name regex '[a-z]+'", ev);
	BADRULE("proc.name regex '(unclosed'", ev);
}

/* The default rule "Search Private Keys or Passwords" with about 1 MB of
 * extra arguments: the regex `(?s).*(id_rsa|...).*` used to hit PCRE2's
 * match limit and the error counted as "no match" (evasion). */
Test(engine, regex_private_key_search_fires_with_a_megabyte_of_arguments)
{
	const size_t pad = 1024 * 1024;
	char *big = malloc(pad + 1), path[4096];
	const char *argv[] = {"grep", "-r", "id_rsa", big};
	struct engine *e = engine_new();
	struct engine_diag *d = engine_diag_new();
	struct capture cap = {0};
	struct engine_stats st;
	const char *paths[1] = {tw_srcpath(path, sizeof(path), "rules/kestrel_rules.yaml")};

	cr_assert(big && e && d);
	memset(big, 'x', pad);
	big[pad] = '\0';
	cr_assert_eq(engine_load(e, paths, 1, d), 0);
	struct kevent ev = tw_event("execve", 100, 99, "grep", "/usr/bin/grep");
	ev.argv = argv;
	ev.argc = ev.nargv = 4;
	engine_set_matching(e, ENGINE_MATCH_ALL);
	engine_eval_with(e, &ev, &tw_src, &W, capture_cb, &cap);
	int hit = 0;
	for (int i = 0; i < cap.n; i++)
		hit |= strcmp(cap.rule[i], "Search Private Keys or Passwords") == 0;
	cr_assert(hit, "the rule did not fire on a 1 MB argument list");
	engine_get_stats(e, &st);
	cr_assert_eq(st.regex_errors, 0, "the JIT should complete this match");
	engine_diag_free(d);
	engine_free(e);
	free(big);
}

/* A catastrophic regex stops at the match limit: the error is counted and
 * the rule fires (fail open), also under `not`. */
Test(engine, regex_match_error_is_counted_and_fails_open)
{
	char as[64];
	memset(as, 'a', 40);
	strcpy(as + 40, "b");
	const char *argv[] = {"x", as};
	struct engine_stats st;
	struct capture cap = {0};
	struct engine *e = tw_load("- rule: r\n  desc: d\n  condition: evt.type = execve and "
	                           "proc.args regex '(a|aa)+$'\n  output: o\n  priority: ERROR\n"
	                           "- rule: n\n  desc: d\n  condition: evt.type = execve and not "
	                           "proc.args regex '(a|aa)+$'\n  output: o\n  priority: ERROR\n",
	                           NULL);
	cr_assert_not_null(e);
	engine_set_matching(e, ENGINE_MATCH_ALL);
	struct kevent ev = tw_event("execve", 100, 99, "x", "/bin/x");
	ev.argv = argv;
	ev.argc = ev.nargv = 2;
	engine_eval_with(e, &ev, &tw_src, &W, capture_cb, &cap);
	engine_get_stats(e, &st);
	cr_assert_eq(st.regex_errors, 2, "match errors counted: %llu",
	             (unsigned long long)st.regex_errors);
	cr_assert_eq(cap.n, 2, "both rules fire (fail open): %d", cap.n);
	/* an ordinary input matches or not, without errors */
	const char *ok[] = {"x", "aaaa"};
	ev.argv = ok;
	cap.n = 0;
	engine_eval_with(e, &ev, &tw_src, &W, capture_cb, &cap);
	engine_get_stats(e, &st);
	cr_assert_eq(st.regex_errors, 2);
	cr_assert_eq(cap.n, 1);
	cr_assert_str_eq(cap.rule[0], "r");
	engine_free(e);
}

Test(engine, string_modifiers_anyof_allof_oneof)
{
	struct kevent ev = exec_ev();
	MATCH("proc.cmdline contains anyof (zzz, shadow)", ev);
	NOMATCH("proc.cmdline contains allof (zzz, shadow)", ev);
	MATCH("proc.cmdline contains allof (cat, shadow)", ev);
	MATCH("proc.cmdline contains oneof (cat, zzz)", ev);
	NOMATCH("proc.cmdline contains oneof (cat, shadow)", ev);
}

Test(engine, transformers_apply_before_comparison)
{
	struct kevent ev = open_ev("/etc/Shadow", O_RDONLY);
	MATCH("tolower(fd.name) = /etc/shadow", ev);
	MATCH("toupper(fd.name) = /ETC/SHADOW", ev);
	MATCH("basename(fd.name) = Shadow", ev);
	MATCH("len(fd.name) = 11", ev);
	MATCH("tolower(basename(fd.name)) = shadow", ev);
	struct kevent ex = exec_ev();
	const char *b64argv[] = {"sh", "aGVsbG8="};
	ex.nargv = ex.argc = 2;
	ex.argv = b64argv;
	MATCH("b64(proc.args) = hello", ex);
}

Test(engine, val_compares_two_fields)
{
	struct kevent ev = exec_ev();
	MATCH("proc.name = val(proc.aname[0])", ev);
	NOMATCH("proc.name = val(proc.pname)", ev);
	MATCH("proc.pname != val(proc.name)", ev);
}

Test(engine, not_binds_tighter_than_and_which_binds_tighter_than_or)
{
	struct kevent ev = exec_ev();
	/* a or (b and c): true because a */
	MATCH("proc.name = bash or proc.name = x and proc.name = y", ev);
	/* (a or b) and c would be false: check that it is not read that way */
	NOMATCH("(proc.name = bash or proc.name = x) and proc.name = y", ev);
	/* not a and b == (not a) and b */
	NOMATCH("not proc.name = bash and proc.pid = 100", ev);
	MATCH("not (proc.name = x and proc.pid = 100)", ev);
	MATCH("not not proc.name = bash", ev);
	MATCH("(proc.name = bash)and(proc.pid = 100)", ev);
}

Test(engine, parser_rejects_malformed_conditions)
{
	struct kevent ev = exec_ev();
	BADRULE("proc.name = bash andb proc.pid = 1", ev);
	BADRULE("proc.name = a = b", ev);
	BADRULE("(proc.name = bash", ev);
	BADRULE("proc.name = bash)", ev);
	BADRULE("proc.name bogus bash", ev);
	BADRULE("proc.name in (a,,b)", ev);
	BADRULE("proc.name = 'unterminated", ev);
	BADRULE("proc.pid = notanumber", ev);
	BADRULE("proc.name < ", ev);
}

Test(engine, quoted_strings_support_falco_escapes)
{
	struct kevent ev = open_ev("/tmp/a b", O_RDONLY);
	MATCH("fd.name = \"/tmp/a b\"", ev);
	MATCH("fd.name = '/tmp/a\\x20b'", ev);
	BADRULE("fd.name = '/tmp/\\q'", ev);
}

Test(engine, deep_nesting_is_an_error_not_a_crash)
{
	struct kevent ev = exec_ev();
	static char cond[8000];
	size_t o = 0;
	for (int i = 0; i < 1000; i++)
		cond[o++] = '(';
	o += (size_t)sprintf(cond + o, "proc.name = bash");
	for (int i = 0; i < 1000; i++)
		cond[o++] = ')';
	cond[o] = '\0';
	BADRULE(cond, ev);
	/* moderately nested is fine */
	MATCH("((((((proc.name = bash))))))", ev);
}

Test(engine, ancestor_fields_with_and_without_index)
{
	struct kevent ev = exec_ev();
	MATCH("proc.aname[0] = bash", ev);
	MATCH("proc.aname[1] = runc", ev);
	MATCH("proc.aname[2] = containerd-shim", ev);
	MATCH("proc.aname[3] = systemd", ev);
	MATCH("proc.aname = containerd-shim", ev); /* any ancestor */
	NOMATCH("proc.aname = bash", ev);          /* ancestors exclude self */
	MATCH("proc.apid[2] = 98", ev);
	MATCH("proc.pname = runc and proc.pexepath = /usr/bin/runc", ev);
}

Test(engine, process_fields_from_exec_event)
{
	struct kevent ev = exec_ev();
	MATCH("proc.cmdline = \"bash -c cat /etc/shadow\"", ev);
	MATCH("proc.args = \"-c cat /etc/shadow\"", ev);
	MATCH("proc.exe = bash and proc.exepath = /bin/bash", ev);
	MATCH("proc.tty = 34816", ev);
	MATCH("proc.cwd = /root/", ev); /* Falco keeps cwd with a trailing slash */
	MATCH("user.uid = 0 and user.loginuid = -1", ev);
	MATCH("container.id = 3ad7b26ded6d and container.image.repository = nginx", ev);
	MATCH("container.type = docker and container.privileged = false", ev);
	MATCH("evt.type = execve and evt.res = SUCCESS", ev);
	MATCH("audit.arch = x86_64 and audit.serial = 42", ev);
}

Test(engine, open_fields_are_derived_from_flags_and_paths)
{
	struct kevent ev = open_ev("../etc/./shadow", O_WRONLY | O_CREAT | O_TRUNC);
	MATCH("fd.name = /etc/shadow", ev);
	MATCH("fd.nameraw = ../etc/./shadow", ev);
	MATCH("fd.directory = /etc and fd.filename = shadow", ev);
	MATCH("evt.is_open_write = true and evt.is_open_read = false", ev);
	MATCH("evt.arg.flags contains O_TRUNC and evt.arg.flags contains O_WRONLY", ev);
	MATCH("evt.arg[2] = 577", ev);
	MATCH("fd.num = 3 and fd.typechar = f and fd.type = file", ev);
}

/* os.open("shadow", dir_fd=os.open("/etc", 0)) from /home/u: audit does
 * not resolve the dirfd, so the name is Falco's "<UNKNOWN>/shadow", never
 * the wrong /home/u/shadow; the sensitive-file rule then cannot fire (an
 * unknown path is reported as nothing rather than as a wrong path). */
Test(engine, name_under_an_unresolved_dirfd_is_not_joined_to_the_cwd)
{
	struct kevent ev = open_ev("shadow", O_RDONLY);
	ev.a[0] = 3;
	ev.cwd = "/home/u";
	open_paths[0].dirfd_unresolved = 1;
	open_paths[0].dirfd = 3;
	MATCH("fd.name = <UNKNOWN>/shadow and fd.nameraw = shadow", ev);
	MATCH("fd.directory = <UNKNOWN> and fd.filename = shadow", ev);
	NOMATCH("fd.name startswith /home/u", ev);
	open_paths[0].name = "../etc/shadow"; /* ".." cannot leave the unknown */
	MATCH("fd.name = <UNKNOWN>/etc/shadow", ev);
	NOMATCH("fd.name startswith /etc", ev);
}

/* The default sensitive-file rule is not fooled either way: "shadow" under
 * an unresolved dirfd from cwd /etc is not /etc/shadow (it may be any
 * directory's); the same open relative to the cwd is, and fires. */
Test(engine, default_sensitive_file_rule_ignores_names_under_unresolved_dirfds)
{
	char path[4096];
	const char *paths[1] = {tw_srcpath(path, sizeof(path), "rules/kestrel_rules.yaml")};
	struct engine *e = engine_new();
	struct engine_diag *d = engine_diag_new();
	struct capture cap = {0};
	struct kevent ev = open_ev("shadow", O_RDONLY);

	cr_assert_eq(engine_load(e, paths, 1, d), 0);
	engine_set_matching(e, ENGINE_MATCH_ALL);
	ev.cwd = "/etc";
	cr_assert_eq(engine_eval_with(e, &ev, &tw_src, &W, capture_cb, &cap), 1);
	cr_assert_str_eq(cap.rule[0], "Read sensitive file untrusted");
	memset(&cap, 0, sizeof(cap));
	ev.a[0] = 3;
	open_paths[0].dirfd_unresolved = 1;
	open_paths[0].dirfd = 3;
	cr_assert_eq(engine_eval_with(e, &ev, &tw_src, &W, capture_cb, &cap), 0, "%s", cap.rule[0]);
	engine_free(e);
	engine_diag_free(d);
}

Test(engine, failed_syscall_result_is_errno_name)
{
	struct kevent ev = open_ev("/etc/shadow", O_RDONLY);
	ev.exit = -13;
	ev.success = 0;
	MATCH("evt.res = EACCES and evt.rawres = -13 and evt.failed = true", ev);
}

Test(engine, network_fields_from_sockaddr)
{
	struct kevent ev = tw_event("connect", 100, 99, "bash", "/bin/bash");
	ev.a[0] = 5;
	ev.exit = 0;
	ev.has_sockaddr = 1;
	ev.sockaddr.family = KEV_SA_INET;
	ev.sockaddr.raw_family = 2;
	snprintf(ev.sockaddr.addr, sizeof(ev.sockaddr.addr), "10.1.2.3");
	ev.sockaddr.port = 443;
	MATCH("fd.sip = 10.1.2.3 and fd.sport = 443 and fd.rport = 443", ev);
	MATCH("fd.snet in (10.0.0.0/8, 192.168.0.0/16)", ev);
	NOMATCH("fd.net = 127.0.0.0/8", ev);
	MATCH("fd.ip != 0.0.0.0", ev);
	MATCH("fd.typechar = 4 and fd.num = 5", ev);
	NOMATCH("fd.lport exists", ev);
}

Test(engine, rule_using_unsupported_field_is_skipped_not_rejected)
{
	const char *yaml =
	    "- rule: needs lport\n  desc: d\n  condition: evt.type = connect and fd.ino = 22\n"
	    "  output: o\n  priority: NOTICE\n"
	    "- rule: fine\n  desc: d\n  condition: evt.type = connect\n  output: o %fd.ino\n"
	    "  priority: NOTICE\n";
	struct engine_diag *d;
	struct engine *e = tw_load(yaml, &d);
	cr_assert_not_null(e);
	struct engine_rule_info ri;
	engine_rule_info(e, 0, &ri);
	cr_assert_eq(ri.active, 0);
	cr_assert(strstr(ri.skip_reason, "fd.ino") != NULL, "reason: %s", ri.skip_reason);
	engine_rule_info(e, 1, &ri);
	cr_assert_eq(ri.active, 1);
	struct kevent ev = tw_event("connect", 100, 99, "bash", "/bin/bash");
	struct capture cap = {0};
	engine_eval_with(e, &ev, &tw_src, &W, capture_cb, &cap);
	cr_assert_eq(cap.n, 1);
	cr_assert_str_eq(cap.output[0], "o <NA>");
	engine_free(e);
	engine_diag_free(d);
}

Test(engine, output_renders_fields_and_na)
{
	const char *yaml = "- rule: shell\n  desc: d\n  condition: evt.type = execve\n"
	                   "  output: \"sh %proc.name p=%proc.pname a2=%proc.aname[2] fd=%fd.name "
	                   "(%user.uid) %container.info\"\n  priority: WARNING\n";
	struct engine *e = tw_load(yaml, NULL);
	cr_assert_not_null(e);
	struct kevent ev = exec_ev();
	struct capture cap = {0};
	cr_assert_eq(engine_eval_with(e, &ev, &tw_src, &W, capture_cb, &cap), 1);
	cr_assert_str_eq(cap.output[0], "sh bash p=runc a2=containerd-shim fd=<NA> (0) ");
	cr_assert_eq(cap.nfields[0], 5);
	cr_assert_str_eq(cap.field0[0], "proc.name");
	cr_assert_eq(cap.priority[0], PRI_WARNING);
	engine_free(e);
}

Test(engine, default_append_output_adds_container_fields)
{
	const char *yaml = "- rule: shell\n  desc: d\n  condition: evt.type = execve\n"
	                   "  output: shell\n  priority: WARNING\n";
	struct engine *e = engine_new();
	struct engine_diag *d = engine_diag_new();
	engine_add_buffer(e, "t.yaml", yaml, strlen(yaml), d);
	cr_assert_eq(engine_compile(e, d), 0);
	struct kevent ev = exec_ev();
	struct capture cap = {0};
	engine_eval_with(e, &ev, &tw_src, &W, capture_cb, &cap);
	cr_assert_eq(cap.n, 1);
	cr_assert_str_eq(
	    cap.output[0],
	    "shell container_id=3ad7b26ded6d container_name=web container_image=nginx");
	engine_free(e);
	engine_diag_free(d);
}

static const char *two_rules =
    "- rule: first\n  desc: d\n  condition: evt.type in (execve, execveat) and proc.pname = runc\n"
    "  output: one %proc.pname\n  priority: WARNING\n"
    "- rule: second\n  desc: d\n  condition: evt.type = execve and proc.pname exists\n"
    "  output: two %proc.pname\n  priority: NOTICE\n"
    "- rule: opens\n  desc: d\n  condition: evt.type = openat\n"
    "  output: three\n  priority: NOTICE\n";

Test(engine, rule_matching_first_fires_only_the_first_rule_in_load_order)
{
	struct engine *e = tw_load(two_rules, NULL);
	cr_assert_not_null(e);
	struct kevent ev = exec_ev();
	struct capture cap = {0};
	cr_assert_eq(engine_eval_with(e, &ev, &tw_src, &W, capture_cb, &cap), 1);
	cr_assert_str_eq(cap.rule[0], "first");
	engine_free(e);
}

Test(engine, rule_matching_all_fires_every_matching_rule_in_order)
{
	struct engine *e = tw_load(two_rules, NULL);
	engine_set_matching(e, ENGINE_MATCH_ALL);
	struct kevent ev = exec_ev();
	struct capture cap = {0};
	cr_assert_eq(engine_eval_with(e, &ev, &tw_src, &W, capture_cb, &cap), 2);
	cr_assert_str_eq(cap.rule[0], "first");
	cr_assert_str_eq(cap.rule[1], "second");
	engine_free(e);
}

Test(engine, event_type_index_only_runs_rules_for_the_syscall)
{
	struct engine *e = tw_load(two_rules, NULL);
	struct engine_stats st;
	struct kevent ev = open_ev("/x", O_RDONLY);
	struct capture cap = {0};

	engine_set_matching(e, ENGINE_MATCH_ALL);
	engine_eval_with(e, &ev, &tw_src, &W, capture_cb, &cap);
	engine_get_stats(e, &st);
	cr_assert_eq(cap.n, 1);
	cr_assert_str_eq(cap.rule[0], "opens");
	cr_assert_eq(st.rule_evals, 1, "openat evaluated %llu rules",
	             (unsigned long long)st.rule_evals);
	/* unrelated syscall: nothing evaluated */
	struct kevent other = tw_event("chdir", 100, 99, "bash", "/bin/bash");
	cr_assert_eq(engine_eval_with(e, &other, &tw_src, &W, capture_cb, &cap), 0);
	engine_get_stats(e, &st);
	cr_assert_eq(st.rule_evals, 1);
	/* index off: every active rule is evaluated, same result */
	engine_set_index(e, 0);
	cr_assert_eq(engine_eval_with(e, &other, &tw_src, &W, capture_cb, &cap), 0);
	engine_get_stats(e, &st);
	cr_assert_eq(st.rule_evals, 4);
	engine_free(e);
}

Test(engine, field_values_are_extracted_once_per_event)
{
	struct engine *e = tw_load(two_rules, NULL);
	struct engine_stats st;
	struct kevent ev = exec_ev();
	struct capture cap = {0};

	engine_set_matching(e, ENGINE_MATCH_ALL);
	engine_eval_with(e, &ev, &tw_src, &W, capture_cb, &cap);
	engine_get_stats(e, &st);
	/* evt.type and proc.pname, each once, although read by both rules and
	 * both outputs */
	cr_assert_eq(st.extractions, 2, "extractions: %llu", (unsigned long long)st.extractions);
	engine_free(e);
}

Test(engine, event_type_set_follows_falco_negation_rules)
{
	const char *yaml =
	    "- rule: a\n  desc: d\n  condition: evt.type in (open, openat) and proc.name = x\n"
	    "  output: o\n  priority: INFO\n"
	    "- rule: b\n  desc: d\n  condition: not evt.type != ptrace\n  output: o\n  priority: "
	    "INFO\n"
	    "- rule: c\n  desc: d\n  condition: not (evt.type = execve or proc.name = x)\n"
	    "  output: o\n  priority: INFO\n  warn_evttypes: false\n";
	struct engine *e = tw_load(yaml, NULL);
	char buf[16384];
	cr_assert_not_null(e);
	TW_CAPTURE(buf, sizeof(buf), engine_rule_print_evttypes(e, 0, out));
	cr_assert_str_eq(buf, "open openat");
	TW_CAPTURE(buf, sizeof(buf), engine_rule_print_evttypes(e, 1, out));
	cr_assert_str_eq(buf, "ptrace");
	/* not(execve or neutral) = (not execve) and neutral: all but execve */
	TW_CAPTURE(buf, sizeof(buf), engine_rule_print_evttypes(e, 2, out));
	cr_assert(strstr(buf, "openat") != NULL);
	cr_assert(strstr(buf, " execve ") == NULL && strncmp(buf, "execve ", 7) != 0);
	const char *names[64];
	int all = 0;
	size_t n = engine_syscalls(e, names, 64, &all);
	cr_assert_gt(n, 3);
	engine_free(e);
}

Test(engine, syscalls_needed_by_active_rules)
{
	struct engine *e = tw_load(two_rules, NULL);
	const char *names[8];
	int all = 1;
	size_t n = engine_syscalls(e, names, 8, &all);
	cr_assert_eq(all, 0);
	cr_assert_eq(n, 3);
	int seen = 0;
	for (size_t i = 0; i < n; i++)
		seen |= (strcmp(names[i], "execve") == 0) |
		        (strcmp(names[i], "execveat") == 0) << 1 |
		        (strcmp(names[i], "openat") == 0) << 2;
	cr_assert_eq(seen, 7);
	engine_free(e);
}

Test(engine, priority_names_and_parsing)
{
	cr_assert_str_eq(priority_name(PRI_WARNING), "Warning");
	cr_assert_str_eq(priority_name(PRI_INFORMATIONAL), "Informational");
	cr_assert_eq(priority_parse("info"), PRI_INFORMATIONAL);
	cr_assert_eq(priority_parse("CRITICAL"), PRI_CRITICAL);
	cr_assert_eq(priority_parse("bogus"), -1);
}

Test(engine, min_priority_deactivates_less_severe_rules)
{
	struct engine *e = engine_new();
	engine_set_min_priority(e, PRI_WARNING);
	engine_add_buffer(e, "t.yaml", two_rules, strlen(two_rules), NULL);
	cr_assert_eq(engine_compile(e, NULL), 0);
	struct engine_rule_info ri;
	engine_rule_info(e, 0, &ri);
	cr_assert_eq(ri.active, 1);
	engine_rule_info(e, 1, &ri);
	cr_assert_eq(ri.active, 0);
	cr_assert(strstr(ri.skip_reason, "priority") != NULL);
	engine_free(e);
}

Test(engine, selection_by_name_wildcard_and_tag)
{
	const char *yaml =
	    "- rule: Alpha one\n  desc: d\n  condition: evt.type = execve\n  output: o\n"
	    "  priority: INFO\n  tags: [t1]\n"
	    "- rule: Beta\n  desc: d\n  condition: evt.type = execve\n  output: o\n"
	    "  priority: INFO\n  tags: [t2]\n";
	struct engine *e = engine_new();
	engine_select(e, "*", 0, 0);
	engine_select(e, "t2", 1, 1);
	engine_add_buffer(e, "t.yaml", yaml, strlen(yaml), NULL);
	cr_assert_eq(engine_compile(e, NULL), 0);
	struct engine_rule_info ri;
	engine_rule_info(e, 0, &ri);
	cr_assert_eq(ri.active, 0);
	engine_rule_info(e, 1, &ri);
	cr_assert_eq(ri.active, 1);
	engine_free(e);
}

Test(engine, list_fields_prints_the_table)
{
	static char buf[65536];
	TW_CAPTURE(buf, sizeof(buf), engine_cli_list_fields(out));
	cr_assert(strstr(buf, "proc.aname[N]") != NULL);
	cr_assert(strstr(buf, "audit.key") != NULL);
	cr_assert(strstr(buf, "fd.lport") != NULL && strstr(buf, "(unsupported)") != NULL);
}

Test(engine, costly_fields_are_read_after_cheap_tests_fail)
{
	const char *yaml = "- rule: r\n  desc: d\n  condition: container.id != host and "
	                   "proc.pname = x and proc.name = zzz\n  output: o\n  priority: INFO\n";
	struct engine *e = tw_load(yaml, NULL);
	struct engine_stats st;
	struct kevent ev = exec_ev();
	cr_assert_not_null(e);
	cr_assert_eq(engine_eval_with(e, &ev, &tw_src, &W, capture_cb, NULL), 0);
	engine_get_stats(e, &st);
	/* only proc.name was read: the container and parent were never needed */
	cr_assert_eq(st.extractions, 1, "extractions: %llu", (unsigned long long)st.extractions);
	engine_free(e);
}

static int self_has_sys_admin(void)
{
	char line[256];
	unsigned long long caps = 0;
	FILE *f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	if (f)
		fclose(f);
	return (caps >> 21) & 1; /* CAP_SYS_ADMIN */
}

Test(engine, cap_effective_is_read_from_proc_only_in_live_mode)
{
	const char *yaml =
	    "- rule: r\n  desc: d\n  condition: thread.cap_effective exists and "
	    "thread.cap_effective contains CAP_SYS_ADMIN\n  output: \"%thread.cap_effective\"\n"
	    "  priority: INFO\n";
	struct engine *e = tw_load(yaml, NULL);
	struct kevent ev = exec_ev();
	struct capture cap = {0};
	ev.pid = getpid();
	cr_assert_not_null(e);
	/* replay (default): this machine's /proc says nothing about the event */
	cr_assert_eq(engine_eval_with(e, &ev, &tw_src, &W, capture_cb, &cap), 0);
	engine_set_live(e, 1);
	cr_assert_eq(engine_eval_with(e, &ev, &tw_src, &W, capture_cb, &cap), self_has_sys_admin());
	if (cap.n)
		cr_assert(strncmp(cap.output[0], "CAP_", 4) == 0, "%s", cap.output[0]);
	engine_free(e);
}

/* A caps hook that knows one pid: CAP_CHOWN (0) and CAP_SYS_ADMIN (21)
 * effective, CAP_KILL (5) permitted. */
static int fake_caps(void *arg, int64_t pid, enum engine_capset which, uint64_t *caps)
{
	int *calls = arg;

	(*calls)++;
	if (pid != 4242)
		return 0;
	*caps = which == ENGINE_CAP_EFFECTIVE   ? (1ull << 0) | (1ull << 21)
	        : which == ENGINE_CAP_PERMITTED ? 1ull << 5
	                                        : 0;
	return 1;
}

Test(engine, capabilities_come_through_the_caps_hook_in_live_mode_only)
{
	const char *yaml =
	    "- rule: r\n  desc: d\n  condition: thread.cap_effective contains CAP_SYS_ADMIN\n"
	    "  output: \"%thread.cap_effective|%thread.cap_permitted|%thread.cap_inheritable\"\n"
	    "  priority: INFO\n";
	struct engine *e = tw_load(yaml, NULL);
	struct kevent ev = exec_ev();
	struct capture cap = {0};
	int calls = 0;

	cr_assert_not_null(e);
	engine_set_caps(e, fake_caps, &calls);
	ev.pid = 4242;
	cr_assert_eq(engine_eval_with(e, &ev, &tw_src, &W, capture_cb, &cap), 0);
	cr_assert_eq(calls, 0, "the hook is not asked in replay mode");
	engine_set_live(e, 1);
	cr_assert_eq(engine_eval_with(e, &ev, &tw_src, &W, capture_cb, &cap), 1);
	cr_assert_str_eq(cap.output[0], "CAP_CHOWN CAP_SYS_ADMIN|CAP_KILL|");
	ev.pid = 4343; /* unknown to the hook: <NA>, no match */
	cr_assert_eq(engine_eval_with(e, &ev, &tw_src, &W, capture_cb, &cap), 0);
	engine_free(e);
}
