/*
 * test_engine_proc.c — the engine over kestrel's real process table in
 * replay mode (engine_eval): ancestry, parent command line and exec
 * arguments come from replayed exec events only.
 */
#include <criterion/criterion.h>

#include "engine_testutil.h"

#define T0 1700000000000000000ull

struct fake {
	struct kevent ev;
	const char *argv[8];
};

static void fake_exec(struct fake *f, int64_t pid, int64_t ppid, uint64_t t, const char *exe,
                      const char *const *argv, const char *tty)
{
	int n = 0;
	const char *slash = strrchr(exe, '/');

	f->ev = tw_event("execve", pid, ppid, slash ? slash + 1 : exe, exe);
	f->ev.time_ns = t;
	while (argv[n] && n < 8) {
		f->argv[n] = argv[n];
		n++;
	}
	f->ev.argv = f->argv;
	f->ev.nargv = f->ev.argc = n;
	f->ev.tty = tty;
	f->ev.cwd = "/home/u";
}

static const char *rules =
    "- rule: Shell under sshd\n  desc: d\n"
    "  condition: evt.type = execve and proc.name = bash and proc.aname = sshd and "
    "proc.tty != 0\n"
    "  output: \"shell %proc.cmdline parent=%proc.pname pcmd=%proc.pcmdline "
    "gp=%proc.aname[2] tty=%proc.tty\"\n  priority: NOTICE\n"
    "- rule: Child of shell\n  desc: d\n"
    "  condition: evt.type = execve and proc.pname = bash and not proc.aname[3] exists\n"
    "  output: \"child %proc.name of %proc.pname args=%proc.args\"\n  priority: INFO\n";

Test(engine_proc, replayed_execs_give_ancestry_to_rules)
{
	struct proc_table *pt = proc_table_new(PROC_TABLE_REPLAY);
	struct engine *e = tw_load(rules, NULL);
	struct capture cap = {0};
	struct fake sshd, bash, ls;
	static const char *a_sshd[] = {"sshd", "-D", NULL};
	static const char *a_bash[] = {"-bash", NULL};
	static const char *a_ls[] = {"ls", "-la", "/tmp", NULL};

	cr_assert_not_null(pt);
	cr_assert_not_null(e);
	engine_set_matching(e, ENGINE_MATCH_ALL);
	fake_exec(&sshd, 10, 1, T0, "/usr/sbin/sshd", a_sshd, "(none)");
	proc_table_update(pt, &sshd.ev);
	cr_assert_eq(engine_eval(e, &sshd.ev, pt, capture_cb, &cap), 0);

	fake_exec(&bash, 20, 10, T0 + 1000, "/bin/bash", a_bash, "pts0");
	bash.ev.comm = "bash";
	proc_table_update(pt, &bash.ev);
	cr_assert_eq(engine_eval(e, &bash.ev, pt, capture_cb, &cap), 1);
	cr_assert_str_eq(cap.rule[0], "Shell under sshd");
	cr_assert_str_eq(cap.output[0], "shell bash parent=sshd pcmd=sshd -D gp=<NA> tty=34816");

	fake_exec(&ls, 30, 20, T0 + 2000, "/bin/ls", a_ls, "pts0");
	proc_table_update(pt, &ls.ev);
	cap.n = 0;
	cr_assert_eq(engine_eval(e, &ls.ev, pt, capture_cb, &cap), 1);
	cr_assert_str_eq(cap.rule[0], "Child of shell");
	cr_assert_str_eq(cap.output[0], "child ls of bash args=-la /tmp");

	engine_free(e);
	proc_table_free(pt);
}
