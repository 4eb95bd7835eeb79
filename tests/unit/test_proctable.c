/*
 * test_proctable.c — the process table: identity from exec, inheritance on
 * fork, removal on exit and by expiry, pid reuse never inheriting identity,
 * replay never reading /proc, the live /proc scan and miss, ancestry, and
 * the audit tty-name to device-number mapping (checked against a real pty).
 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc/container.h"
#include "proc/proc.h"
#include "proc/proctable_ext.h"
#include "daemon/pipeline.h"
#include "util/clock.h"
#include "util/log.h"

#define SEC 1000000000ull
/* Event times in replay tests: an arbitrary epoch time. */
#define T0 (1700000000ull * SEC)

static uint64_t wall_ns(void)
{
	return clock_realtime_ns();
}

/* A SYSCALL event as the normalizer would give it, with room for argv. */
struct fake {
	struct kevent ev;
	const char *argv[8];
	struct kev_path path;
};

static void fake_init(struct fake *f, const char *syscall, int64_t pid, int64_t ppid,
                      uint64_t time_ns)
{
	memset(f, 0, sizeof(*f));
	struct kevent *ev = &f->ev;
	ev->time_ns = time_ns;
	ev->has_syscall = 1;
	ev->syscall_name = syscall;
	ev->syscall = -1;
	ev->success = 1;
	ev->exit = 0;
	ev->pid = pid;
	ev->ppid = ppid;
	ev->uid = ev->euid = ev->suid = ev->fsuid = 1000;
	ev->gid = ev->egid = ev->sgid = ev->fsgid = 1000;
	ev->auid = 1000;
	ev->ses = 3;
	ev->tty = "(none)";
	ev->comm = "sh";
	ev->exe = "/bin/sh";
}

/* An execve event: argv given as a NULL-terminated list. */
static void fake_exec(struct fake *f, int64_t pid, int64_t ppid, uint64_t time_ns, const char *exe,
                      const char *cwd, const char *const *argv)
{
	fake_init(f, "execve", pid, ppid, time_ns);
	int n = 0;
	while (argv[n] && n < 8) {
		f->argv[n] = argv[n];
		n++;
	}
	f->ev.argv = f->argv;
	f->ev.nargv = f->ev.argc = n;
	f->ev.exe = exe;
	f->ev.cwd = cwd;
	const char *slash = strrchr(exe, '/');
	f->ev.comm = slash ? slash + 1 : exe;
}

static void feed_exec(struct proc_table *pt, int64_t pid, int64_t ppid, uint64_t t, const char *exe,
                      const char *const *argv)
{
	struct fake f;
	fake_exec(&f, pid, ppid, t, exe, "/", argv);
	proc_table_update(pt, &f.ev);
}

static void feed_fork(struct proc_table *pt, const char *syscall, int64_t pid, int64_t ppid,
                      uint64_t t, int64_t child, uint64_t flags)
{
	struct fake f;
	fake_init(&f, syscall, pid, ppid, t);
	f.ev.exit = child;
	f.ev.a[0] = flags;
	const struct proc *p = proc_table_get(pt, pid);
	f.ev.tty = NULL; /* not modelled: keep the process's terminal */
	if (p) {
		f.ev.exe = p->exepath;
		f.ev.comm = p->comm;
	}
	proc_table_update(pt, &f.ev);
}

static void feed_exit(struct proc_table *pt, int64_t pid, int64_t ppid, uint64_t t)
{
	struct fake f;
	fake_init(&f, "exit_group", pid, ppid, t);
	f.ev.success = -1;
	f.ev.exit = KEV_UNSET;
	const struct proc *p = proc_table_get(pt, pid);
	f.ev.tty = NULL; /* not modelled: keep the process's terminal */
	if (p) {
		f.ev.exe = p->exepath;
		f.ev.comm = p->comm;
	}
	proc_table_update(pt, &f.ev);
	cr_assert_not_null(f.ev.proc, "the exit event itself still has its process");
}

/* ---- tty mapping ---- */

Test(proctable, tty_names_map_to_kernel_device_numbers)
{
	static const struct {
		const char *name;
		int64_t dev;
	} table[] = {
	    {"(none)", 0},       {"pts0", 34816}, {"pts1", 34817},   {"pts255", 35071},
	    {"pts256", 1083392}, {"tty0", 1024},  {"tty1", 1025},    {"tty63", 1087},
	    {"ttyS0", 1088},     {"ttyS1", 1089}, {"console", 1281}, {"ttyUSB0", 48128},
	    {"ttyAMA0", 52288},  {"hvc0", 58624},
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		cr_expect_eq(proc_tty_from_name(table[i].name), table[i].dev,
		             "%s -> %lld, want %lld", table[i].name,
		             (long long)proc_tty_from_name(table[i].name), (long long)table[i].dev);
}

Test(proctable, tty_unknown_names_are_rejected)
{
	const char *bad[] = {"", "pts", "ptsx", "pts1x", "tty64", "foo0", "pts-1", "ttyS999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(proc_tty_from_name(bad[i]), -1, "%s accepted", bad[i]);
	cr_expect_eq(proc_tty_from_name(NULL), -1);
}

/* tty_nr (field 7) of /proc/<pid>/stat, parsed here independently. */
static long long stat_tty_nr(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	long long tty = -1;
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %lld", &tty) != 1)
		return -1;
	return tty;
}

Test(proctable, tty_of_a_real_pty_matches_proc_stat)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0)
		cr_skip_test("no pseudo-terminals here (posix_openpt: %s)", strerror(errno));
	char slave[64];
	cr_assert_eq(ptsname_r(master, slave, sizeof(slave)), 0);
	int ready[2];
	cr_assert_eq(pipe(ready), 0);
	pid_t child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		/* New session; opening the slave makes it the controlling tty. */
		setsid();
		int fd = open(slave, O_RDWR);
		char c = fd >= 0 ? 'y' : 'n';
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	char c = 0;
	cr_assert_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	cr_assert_eq(c, 'y', "child could not open %s", slave);

	long long tty_nr = stat_tty_nr(child);
	/* audit prints the slave as "pts<N>" for /dev/pts/<N>. */
	char name[sizeof(slave) + 4];
	snprintf(name, sizeof(name), "pts%s", slave + strlen("/dev/pts/"));
	int64_t mapped = proc_tty_from_name(name);

	/* The live table's miss reads the same number from /proc. */
	struct proc_table *pt = proc_table_new(PROC_TABLE_LIVE);
	struct fake f;
	fake_init(&f, "nanosleep", child, getpid(), wall_ns());
	f.ev.tty = NULL;
	proc_table_update(pt, &f.ev);
	int64_t table_tty = f.ev.proc ? ((const struct proc *)f.ev.proc)->tty : -2;
	proc_table_free(pt);

	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	close(master);

	cr_assert_neq(tty_nr, 0, "the child has a controlling terminal");
	cr_assert_eq(mapped, tty_nr, "%s -> %lld, /proc says %lld", name, (long long)mapped,
	             tty_nr);
	cr_assert_eq(table_tty, tty_nr);
}

/* A pid no process holds now: a child that was reaped. */
static int64_t free_pid(void)
{
	pid_t c = fork();
	cr_assert_geq(c, 0);
	if (c == 0)
		_exit(0);
	waitpid(c, NULL, 0);
	return c;
}

/* docker exec: runc's child execs the command and exits, the command is
 * reparented to the shim and has exited too by the time kestrel reads its
 * next event. That event (new ppid, no EXECVE, PROCTITLE still the kernel's
 * cached "runc init") is the same process, not a new one. */
Test(proctable, live_reparented_process_gone_before_its_event_keeps_its_exec)
{
	struct proc_table *pt = proc_table_new(PROC_TABLE_LIVE);
	int64_t pid = free_pid(), old_parent = free_pid();
	const char *argv[] = {"/kt/kt", "redirect", "4444", "fire", NULL};
	const char *title[] = {"runc", "init"};
	struct fake f;

	fake_exec(&f, pid, old_parent, wall_ns(), "/kt/kt", "/", argv);
	f.ev.proctitle = title;
	f.ev.nproctitle = 2;
	proc_table_update(pt, &f.ev);
	cr_assert_not_null(proc_table_get(pt, pid));

	fake_init(&f, "dup2", pid, getpid(), wall_ns());
	f.ev.exe = "/kt/kt";
	f.ev.comm = "kt";
	f.ev.proctitle = title;
	f.ev.nproctitle = 2;
	proc_table_update(pt, &f.ev);
	const struct proc *p = proc_table_get(pt, pid);
	cr_assert_not_null(p);
	cr_assert_eq(p->argc, 4, "argc %d: the event was taken for a new process", p->argc);
	cr_expect_str_eq(p->argv[1], "redirect");
	cr_expect_eq(p->ppid, getpid(), "reparented");
	proc_table_free(pt);
}

/* ---- replay: identity from events ---- */

Test(proctable, exec_sets_identity_from_the_event)
{
	struct proc_table *pt = proc_table_new(PROC_TABLE_REPLAY);
	const char *argv1[] = {"sh", "-c", "true", NULL};
	feed_exec(pt, 100, 1, T0, "/bin/sh", argv1);

	struct fake f;
	const char *argv2[] = {"ls", "-l", "/etc", NULL};
	fake_exec(&f, 100, 1, T0 + SEC, "/usr/bin/ls", "/tmp", argv2);
	f.ev.uid = f.ev.euid = 0;
	f.ev.auid = 1001;
	f.ev.tty = "pts3";
	f.path = (struct kev_path){
	    .item = 0, .name = "/usr/bin/ls", .mode = 0100755, .ouid = 0, .ogid = 0, .inode = 1};
	f.ev.paths = &f.path;
	f.ev.npaths = 1;
	proc_table_update(pt, &f.ev);

	const struct proc *p = proc_table_get(pt, 100);
	cr_assert_not_null(p);
	cr_assert_eq(f.ev.proc, p);
	cr_expect_str_eq(p->comm, "ls");
	cr_expect_str_eq(p->exe, "ls");
	cr_expect_str_eq(p->exepath, "/usr/bin/ls");
	cr_expect_str_eq(p->cwd, "/tmp");
	cr_assert_eq(p->argc, 3);
	cr_expect_str_eq(p->argv[1], "-l");
	cr_expect_str_eq(p->argv[2], "/etc");
	cr_expect_eq(p->uid, 0);
	cr_expect_eq(p->auid, 1001);
	cr_expect_eq(p->tty, 34819);
	cr_expect_eq(p->ppid, 1);
	cr_expect_eq(p->exec_time_ns, T0 + SEC);
	cr_expect_eq(p->exe_writable, 1, "root may write a root-owned 0755 file");
	cr_expect_eq(p->from_procfs, 0);
	cr_expect_eq(proc_table_size(pt), 1);
	proc_table_free(pt);
}

Test(proctable, exe_writable_follows_owner_and_mode)
{
	struct proc_table *pt = proc_table_new(PROC_TABLE_REPLAY);
	struct fake f;
	const char *argv[] = {"tool", NULL};
	fake_exec(&f, 100, 1, T0, "/opt/tool", "/", argv);
	f.path = (struct kev_path){.name = "/opt/tool", .mode = 0100755, .ouid = 0, .ogid = 0};
	f.ev.paths = &f.path;
	f.ev.npaths = 1;
	proc_table_update(pt, &f.ev);
	cr_expect_eq(proc_table_get(pt, 100)->exe_writable, 0, "uid 1000 cannot write root's 0755");

	fake_exec(&f, 101, 1, T0, "/home/u/tool", "/", argv);
	f.path =
	    (struct kev_path){.name = "/home/u/tool", .mode = 0100755, .ouid = 1000, .ogid = 1000};
	f.ev.paths = &f.path;
	f.ev.npaths = 1;
	proc_table_update(pt, &f.ev);
	cr_expect_eq(proc_table_get(pt, 101)->exe_writable, 1, "the owner can write 0755");

	fake_exec(&f, 102, 1, T0, "/opt/tool", "/", argv);
	proc_table_update(pt, &f.ev);
	cr_expect_eq(proc_table_get(pt, 102)->exe_writable, KEV_UNSET, "no PATH record: unknown");
	proc_table_free(pt);
}

/* Falco's EXE_WRITABLE is the kernel's write check or inode_owner_or_capable:
 * the owner even without a write bit, and whoever holds CAP_DAC_OVERRIDE or
 * CAP_FOWNER (from the exec's BPRM_FCAPS), root only when it holds them. */
static int exec_writable(struct proc_table *pt, int64_t pid, int64_t euid, uint32_t mode,
                         int64_t ouid, int has_caps, uint64_t pe)
{
	struct fake f;
	const char *argv[] = {"tool", NULL};

	fake_exec(&f, pid, 1, T0, "/opt/tool", "/", argv);
	f.ev.uid = f.ev.euid = f.ev.fsuid = euid;
	f.ev.has_caps = has_caps;
	f.ev.cap_pe = f.ev.cap_pp = pe;
	f.path = (struct kev_path){.name = "/opt/tool", .mode = mode, .ouid = ouid, .ogid = ouid};
	f.ev.paths = &f.path;
	f.ev.npaths = 1;
	proc_table_update(pt, &f.ev);
	return (int)proc_table_get(pt, pid)->exe_writable;
}

Test(proctable, exe_writable_counts_ownership_and_capabilities)
{
	struct proc_table *pt = proc_table_new(PROC_TABLE_REPLAY);
	const uint64_t dac = 1ull << 1, fowner = 1ull << 3, sys_admin = 1ull << 21;

	cr_expect_eq(exec_writable(pt, 200, 1000, 0100555, 1000, 0, 0), 1,
	             "the owner of a 0555 file may chmod it");
	cr_expect_eq(exec_writable(pt, 201, 1000, 0100755, 0, 1, dac | sys_admin), 1,
	             "uid 1000 with CAP_DAC_OVERRIDE");
	cr_expect_eq(exec_writable(pt, 202, 1000, 0100755, 0, 1, fowner), 1,
	             "uid 1000 with CAP_FOWNER");
	cr_expect_eq(exec_writable(pt, 203, 1000, 0100755, 0, 1, sys_admin), 0,
	             "uid 1000 with CAP_SYS_ADMIN only");
	cr_expect_eq(exec_writable(pt, 204, 0, 0100755, 1000, 1, sys_admin), 0,
	             "root without CAP_DAC_OVERRIDE/CAP_FOWNER, another owner's 0755");
	cr_expect_eq(exec_writable(pt, 205, 0, 0100755, 1000, 0, 0), 1,
	             "root, capabilities unknown: assumed to hold them");
	cr_expect_eq(exec_writable(pt, 206, 1000, 0100757, 0, 1, 0), 1, "other write bit");
	proc_table_free(pt);
}

Test(proctable, fork_child_inherits_parent_and_exec_changes_only_the_child)
{
	struct proc_table *pt = proc_table_new(PROC_TABLE_REPLAY);
	const char *argv[] = {"bash", "-i", NULL};
	struct fake f;
	fake_exec(&f, 200, 1, T0, "/usr/bin/bash", "/root", argv);
	f.ev.tty = "pts0";
	proc_table_update(pt, &f.ev);

	feed_fork(pt, "clone", 200, 1, T0 + SEC, 201, 0x01200011 /* SIGCHLD|CHILD_SETTID|... */);
	const struct proc *c = proc_table_get(pt, 201);
	cr_assert_not_null(c, "clone without CLONE_THREAD creates the child");
	cr_expect_eq(c->ppid, 200);
	cr_expect_str_eq(c->exepath, "/usr/bin/bash");
	cr_assert_eq(c->argc, 2);
	cr_expect_str_eq(c->argv[1], "-i");
	cr_expect_str_eq(c->cwd, "/root");
	cr_expect_str_eq(c->comm, "bash");
	cr_expect_eq(c->tty, 34816);
	cr_expect_eq(c->uid, 1000);
	cr_expect_eq(c->auid, 1000);
	cr_expect_eq(proc_table_size(pt), 2);

	const char *argv2[] = {"cat", "/etc/shadow", NULL};
	feed_exec(pt, 201, 200, T0 + 2 * SEC, "/usr/bin/cat", argv2);
	c = proc_table_get(pt, 201);
	const struct proc *p = proc_table_get(pt, 200);
	cr_expect_str_eq(c->exepath, "/usr/bin/cat");
	cr_expect_str_eq(c->argv[1], "/etc/shadow");
	cr_expect_str_eq(p->exepath, "/usr/bin/bash", "the parent keeps its identity");
	cr_expect_str_eq(p->argv[1], "-i");
	cr_expect_eq(proc_table_parent(pt, c), p);
	proc_table_free(pt);
}

Test(proctable, clone_of_a_thread_creates_no_process)
{
	struct proc_table *pt = proc_table_new(PROC_TABLE_REPLAY);
	const char *argv[] = {"server", NULL};
	feed_exec(pt, 300, 1, T0, "/usr/sbin/server", argv);
	feed_fork(pt, "clone", 300, 1, T0 + SEC, 301, 0x003d0f00 /* pthread flags */);
	cr_expect_null(proc_table_get(pt, 301));
	cr_expect_eq(proc_table_size(pt), 1);
	proc_table_free(pt);
}

Test(proctable, vfork_child_exec_seen_first_keeps_its_identity)
{
	struct proc_table *pt = proc_table_new(PROC_TABLE_REPLAY);
	const char *argv[] = {"make", NULL};
	feed_exec(pt, 400, 1, T0, "/usr/bin/make", argv);
	/* vfork: the child's exec is logged before the parent's vfork returns. */
	const char *cargv[] = {"cc", "-c", "x.c", NULL};
	feed_exec(pt, 401, 400, T0 + SEC, "/usr/bin/cc", cargv);
	feed_fork(pt, "vfork", 400, 1, T0 + SEC, 401, 0);
	const struct proc *c = proc_table_get(pt, 401);
	cr_assert_not_null(c);
	cr_expect_str_eq(c->exepath, "/usr/bin/cc");
	cr_expect_str_eq(c->argv[2], "x.c");
	cr_expect_eq(c->ppid, 400);
	proc_table_free(pt);
}

Test(proctable, exit_group_removes_the_process)
{
	struct proc_table *pt = proc_table_new(PROC_TABLE_REPLAY);
	const char *argv[] = {"sleep", "1", NULL};
	feed_exec(pt, 500, 1, T0, "/usr/bin/sleep", argv);
	cr_assert_eq(proc_table_size(pt), 1);
	feed_exit(pt, 500, 1, T0 + SEC);
	cr_expect_null(proc_table_get(pt, 500));
	cr_expect_eq(proc_table_size(pt), 0);

	struct proc_table_stats st;
	proc_table_get_stats(pt, &st);
	cr_expect_eq(st.dead, 1, "kept for events still in flight");
	cr_expect_eq(proc_table_expire(pt, T0 + SEC + PROC_DEAD_GRACE_NS - 1), 0);
	cr_expect_eq(proc_table_expire(pt, T0 + SEC + PROC_DEAD_GRACE_NS), 1);
	proc_table_get_stats(pt, &st);
	cr_expect_eq(st.dead, 0);
	cr_expect_eq(st.expired, 1);
	proc_table_free(pt);
}

Test(proctable, reused_pid_after_exit_does_not_inherit_identity)
{
	struct proc_table *pt = proc_table_new(PROC_TABLE_REPLAY);
	const char *argv[] = {"mysqld", "--password=hunter2", NULL};
	feed_exec(pt, 600, 1, T0, "/usr/sbin/mysqld", argv);
	feed_exit(pt, 600, 1, T0 + SEC);

	/* Much later another process holds pid 600; its first event is an open. */
	struct fake f;
	fake_init(&f, "openat", 600, 77, T0 + 100 * SEC);
	f.ev.comm = "curl";
	f.ev.exe = "/usr/bin/curl";
	const char *title[] = {"curl", "http://x"};
	f.ev.proctitle = title;
	f.ev.nproctitle = 2;
	proc_table_update(pt, &f.ev);

	const struct proc *p = proc_table_get(pt, 600);
	cr_assert_not_null(p);
	cr_expect_str_eq(p->exepath, "/usr/bin/curl");
	cr_expect_str_eq(p->comm, "curl");
	cr_assert_eq(p->argc, 2);
	cr_expect_str_eq(p->argv[1], "http://x");
	cr_expect_eq(p->ppid, 77);
	cr_expect_eq(p->start, T0 + 100 * SEC, "a new start time");
	cr_expect_eq(p->exec_time_ns, 0, "no exec seen for this process");
	proc_table_free(pt);
}

/* The table's tolerance between start times of different clocks
 * (PT_START_SLACK_NS in proctable.c: /proc ticks of 10 ms plus a coarse
 * audit jiffy). The two tests below sit on each side of it, so widening
 * or narrowing it fails one of them. */
#define START_SLACK_NS (20ull * 1000000ull)
#define ONE_MS_NS 1000000ull

/* An openat by pid at t whose own fields say "curl"; the process it is
 * attributed to. */
static const struct proc *late_open(struct proc_table *pt, int64_t pid, uint64_t t)
{
	struct fake f;

	fake_init(&f, "openat", pid, 77, t);
	f.ev.comm = "curl";
	f.ev.exe = "/usr/bin/curl";
	proc_table_update(pt, &f.ev);
	cr_assert_not_null(f.ev.proc);
	return f.ev.proc;
}

Test(proctable, records_within_the_slack_after_exit_belong_to_the_dead_process)
{
	const char *argv[] = {"mysqld", NULL};
	struct proc_table *pt = proc_table_new(PROC_TABLE_REPLAY);

	feed_exec(pt, 610, 1, T0, "/usr/sbin/mysqld", argv);
	feed_exit(pt, 610, 1, T0 + SEC);
	/* a record of another CPU, dated up to the slack after the exit */
	const struct proc *p = late_open(pt, 610, T0 + SEC + START_SLACK_NS);
	cr_expect_str_eq(p->exepath, "/usr/sbin/mysqld", "late record given to a new process");
	proc_table_free(pt);

	pt = proc_table_new(PROC_TABLE_REPLAY);
	feed_exec(pt, 610, 1, T0, "/usr/sbin/mysqld", argv);
	feed_exit(pt, 610, 1, T0 + SEC);
	/* one millisecond past the slack: the pid was reused */
	p = late_open(pt, 610, T0 + SEC + START_SLACK_NS + ONE_MS_NS);
	cr_expect_str_eq(p->exepath, "/usr/bin/curl",
	                 "reused pid took the dead process's identity");
	cr_expect_eq(p->ppid, 77);
	proc_table_free(pt);
}

Test(proctable, fork_within_the_slack_of_the_childs_own_exec_keeps_the_child)
{
	const char *sh[] = {"sh", NULL}, *cc[] = {"cc", "-c", "x.c", NULL};
	struct proc_table *pt = proc_table_new(PROC_TABLE_REPLAY);
	struct proc_table_stats st;

	/* the child's exec is logged before the parent's fork returns, the
	 * fork's timestamp up to the slack later */
	feed_exec(pt, 810, 1, T0, "/bin/sh", sh);
	feed_exec(pt, 811, 810, T0 + SEC, "/usr/bin/cc", cc);
	feed_fork(pt, "fork", 810, 1, T0 + SEC + START_SLACK_NS, 811, 0);
	cr_expect_str_eq(proc_table_get(pt, 811)->exepath, "/usr/bin/cc");
	proc_table_get_stats(pt, &st);
	cr_expect_eq(st.pid_reuse, 0);
	proc_table_free(pt);

	/* a fork returning the pid later than that: a new child, pid reused */
	pt = proc_table_new(PROC_TABLE_REPLAY);
	feed_exec(pt, 810, 1, T0, "/bin/sh", sh);
	feed_exec(pt, 811, 810, T0 + SEC, "/usr/bin/cc", cc);
	feed_fork(pt, "fork", 810, 1, T0 + SEC + START_SLACK_NS + ONE_MS_NS, 811, 0);
	cr_expect_str_eq(proc_table_get(pt, 811)->exepath, "/bin/sh");
	proc_table_get_stats(pt, &st);
	cr_expect_eq(st.pid_reuse, 1);
	proc_table_free(pt);
}

Test(proctable, fork_returning_a_held_pid_replaces_the_old_process)
{
	struct proc_table *pt = proc_table_new(PROC_TABLE_REPLAY);
	const char *old[] = {"nginx", NULL};
	feed_exec(pt, 700, 1, T0, "/usr/sbin/nginx", old);
	const char *sh[] = {"sh", NULL};
	feed_exec(pt, 800, 1, T0, "/bin/sh", sh);
	/* No exit of 700 was seen, but a fork now returns 700: it was reused. */
	feed_fork(pt, "fork", 800, 1, T0 + 50 * SEC, 700, 0);
	const struct proc *p = proc_table_get(pt, 700);
	cr_assert_not_null(p);
	cr_expect_str_eq(p->exepath, "/bin/sh");
	cr_expect_eq(p->ppid, 800);
	cr_expect_eq(p->start, T0 + 50 * SEC);
	struct proc_table_stats st;
	proc_table_get_stats(pt, &st);
	cr_expect_eq(st.pid_reuse, 1);
	proc_table_free(pt);
}

Test(proctable, changed_executable_without_exec_is_a_new_process_in_replay)
{
	struct proc_table *pt = proc_table_new(PROC_TABLE_REPLAY);
	const char *argv[] = {"sshd", "-D", NULL};
	feed_exec(pt, 900, 1, T0, "/usr/sbin/sshd", argv);
	struct fake f;
	fake_init(&f, "connect", 900, 1, T0 + 10 * SEC);
	f.ev.exe = "/tmp/implant";
	f.ev.comm = "implant";
	proc_table_update(pt, &f.ev);
	const struct proc *p = proc_table_get(pt, 900);
	cr_expect_str_eq(p->exepath, "/tmp/implant");
	cr_expect_eq(p->argc, 0, "sshd's arguments are not carried over");
	cr_expect_null(p->exe);
	proc_table_free(pt);
}

Test(proctable, new_parent_while_old_parent_lives_is_a_new_process)
{
	struct proc_table *pt = proc_table_new(PROC_TABLE_REPLAY);
	const char *a[] = {"a", NULL}, *b[] = {"b", NULL}, *c[] = {"c", "--token=x", NULL};
	feed_exec(pt, 10, 1, T0, "/bin/a", a);
	feed_exec(pt, 11, 1, T0, "/bin/b", b);
	feed_exec(pt, 20, 10, T0 + SEC, "/bin/c", c);

	/* 20 with parent 11 while 10 is alive: not the same process. */
	struct fake f;
	fake_init(&f, "openat", 20, 11, T0 + 2 * SEC);
	f.ev.exe = "/bin/c";
	proc_table_update(pt, &f.ev);
	const struct proc *p = proc_table_get(pt, 20);
	cr_expect_eq(p->ppid, 11);
	cr_expect_eq(p->argc, 0, "the old process's arguments are not inherited");

	/* Reparenting after the parent's exit keeps the identity. */
	feed_exec(pt, 30, 10, T0 + 3 * SEC, "/bin/c", c);
	feed_exit(pt, 10, 1, T0 + 4 * SEC);
	fake_init(&f, "openat", 30, 1, T0 + 5 * SEC);
	f.ev.exe = "/bin/c";
	proc_table_update(pt, &f.ev);
	p = proc_table_get(pt, 30);
	cr_expect_eq(p->ppid, 1);
	cr_assert_eq(p->argc, 2);
	cr_expect_str_eq(p->argv[1], "--token=x");
	proc_table_free(pt);
}

Test(proctable, ancestors_chain_through_parents)
{
	struct proc_table *pt = proc_table_new(PROC_TABLE_REPLAY);
	const char *init[] = {"systemd", NULL}, *sshd[] = {"sshd", NULL}, *bash[] = {"bash", NULL},
	           *cat[] = {"cat", NULL};
	feed_exec(pt, 1, 0, T0, "/lib/systemd/systemd", init);
	feed_fork(pt, "clone", 1, 0, T0 + 1 * SEC, 50, 0);
	feed_exec(pt, 50, 1, T0 + 1 * SEC, "/usr/sbin/sshd", sshd);
	feed_fork(pt, "clone", 50, 1, T0 + 2 * SEC, 60, 0);
	feed_exec(pt, 60, 50, T0 + 2 * SEC, "/bin/bash", bash);
	feed_fork(pt, "fork", 60, 50, T0 + 3 * SEC, 70, 0);
	feed_exec(pt, 70, 60, T0 + 3 * SEC, "/bin/cat", cat);

	const struct proc *p = proc_table_get(pt, 70);
	const char *want[] = {"bash", "sshd", "systemd"};
	int64_t want_pid[] = {60, 50, 1};
	for (int i = 0; i < 3; i++) {
		p = proc_table_parent(pt, p);
		cr_assert_not_null(p, "ancestor %d", i + 1);
		cr_expect_str_eq(p->comm, want[i]);
		cr_expect_eq(p->pid, want_pid[i]);
	}
	cr_expect_null(proc_table_parent(pt, p), "pid 1 has no parent");
	proc_table_free(pt);
}

Test(proctable, younger_process_holding_the_parent_pid_is_not_the_parent)
{
	struct proc_table *pt = proc_table_new(PROC_TABLE_REPLAY);
	const char *a[] = {"a", NULL}, *b[] = {"b", NULL};
	feed_exec(pt, 100, 1, T0, "/bin/a", a);
	feed_fork(pt, "fork", 100, 1, T0 + SEC, 200, 0);
	feed_exit(pt, 100, 1, T0 + 2 * SEC);
	feed_exec(pt, 300, 1, T0, "/bin/b", b);
	/* 100 is reused by a child of 300 born after 200. */
	feed_fork(pt, "fork", 300, 1, T0 + 60 * SEC, 100, 0);
	const struct proc *c = proc_table_get(pt, 200);
	cr_assert_not_null(c);
	cr_expect_eq(c->ppid, 100);
	cr_expect_null(proc_table_parent(pt, c));
	proc_table_free(pt);
}

Test(proctable, replay_never_reads_this_machines_proc)
{
	struct proc_table *pt = proc_table_new(PROC_TABLE_REPLAY);
	cr_expect_eq(proc_table_scan(pt), 0);
	cr_expect_eq(proc_table_size(pt), 0);

	/* An event for this very test process: everything must come from it. */
	struct fake f;
	fake_init(&f, "openat", getpid(), 4242, T0);
	f.ev.comm = "fakecomm";
	f.ev.exe = "/fake/exe";
	f.ev.tty = "pts7";
	proc_table_update(pt, &f.ev);
	const struct proc *p = proc_table_get(pt, getpid());
	cr_assert_not_null(p);
	cr_expect_str_eq(p->comm, "fakecomm");
	cr_expect_str_eq(p->exepath, "/fake/exe");
	cr_expect_eq(p->ppid, 4242);
	cr_expect_null(p->cwd);
	cr_expect_eq(p->sid, KEV_UNSET);
	cr_expect_eq(p->vpid, KEV_UNSET);
	cr_expect_eq(p->tty, 34823);
	cr_expect_eq(p->uid, 1000);
	cr_expect_eq(p->start, T0);
	cr_expect_eq(p->from_procfs, 0);
	cr_expect_null(proc_table_parent(pt, p), "4242 is unknown and not looked up");
	cr_expect_eq(proc_table_container(pt, p), &container_host);
	struct proc_table_stats st;
	proc_table_get_stats(pt, &st);
	cr_expect_eq(st.procfs_reads, 0);
	proc_table_free(pt);
}

Test(proctable, replay_child_inherits_the_parents_container)
{
	struct proc_table *pt = proc_table_new(PROC_TABLE_REPLAY);
	const char *a[] = {"a", NULL};
	feed_exec(pt, 100, 1, T0, "/bin/a", a);
	/* not const: the table holds the containers it keeps (a count inside) */
	static struct container_info box = {.type = CT_DOCKER, .id = "0123456789ab"};
	/* What a container-aware stage would have set on the parent. */
	((struct proc *)proc_table_get(pt, 100))->container = &box;
	feed_fork(pt, "clone", 100, 1, T0 + SEC, 101, 0);
	cr_expect_eq(proc_table_container(pt, proc_table_get(pt, 101)), &box);
	proc_table_free(pt);
}

Test(proctable, many_pids_survive_inserts_and_removals)
{
	struct proc_table *pt = proc_table_new(PROC_TABLE_REPLAY);
	const char *a[] = {"a", NULL};
	enum { N = 5000 };
	feed_exec(pt, 1, 0, T0, "/sbin/init", a);
	for (int i = 2; i < N; i++)
		feed_fork(pt, "fork", 1, 0, T0 + SEC, i * 7, 0);
	cr_assert_eq(proc_table_size(pt), N - 1);
	for (int i = 2; i < N; i += 2)
		feed_exit(pt, i * 7, 1, T0 + 2 * SEC);
	proc_table_expire(pt, T0 + 2 * SEC + PROC_DEAD_GRACE_NS);
	for (int i = 2; i < N; i++) {
		const struct proc *p = proc_table_get(pt, i * 7);
		if (i % 2)
			cr_assert(p && p->pid == i * 7, "pid %d lost", i * 7);
		else
			cr_assert_null(p, "pid %d not removed", i * 7);
	}
	struct proc_table_stats st;
	proc_table_get_stats(pt, &st);
	cr_expect_eq(st.dead, 0);
	cr_expect_eq(st.live, proc_table_size(pt));
	proc_table_free(pt);
}

/* ---- live mode ---- */

static void read_self(const char *name, char *buf, size_t cap, int is_link)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/%s", name);
	if (is_link) {
		ssize_t n = readlink(path, buf, cap - 1);
		cr_assert_gt(n, 0);
		buf[n] = '\0';
		return;
	}
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f);
	size_t n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
}

Test(proctable, live_scan_finds_this_process)
{
	struct proc_table *pt = proc_table_new(PROC_TABLE_LIVE);
	int n = proc_table_scan(pt);
	cr_assert_gt(n, 1);
	cr_expect_eq(proc_table_size(pt), (size_t)n);

	char comm[64], exe[4096], cwd[4096];
	read_self("comm", comm, sizeof(comm), 0);
	read_self("exe", exe, sizeof(exe), 1);
	read_self("cwd", cwd, sizeof(cwd), 1);
	const struct proc *p = proc_table_get(pt, getpid());
	cr_assert_not_null(p);
	cr_expect_str_eq(p->comm, comm);
	cr_expect_str_eq(p->exepath, exe);
	cr_expect_str_eq(p->cwd, cwd);
	cr_expect_eq(p->ppid, getppid());
	cr_expect_eq(p->sid, getsid(0));
	cr_expect_eq(p->uid, getuid());
	cr_expect_eq(p->egid, getegid());
	cr_expect_eq(p->vpid, getpid(), "no pid namespace here");
	cr_expect_eq(p->from_procfs, 1);
	cr_expect_gt(p->argc, 0);
	cr_expect_neq(p->exe_writable, KEV_UNSET);

	const struct proc *parent = proc_table_parent(pt, p);
	cr_assert_not_null(parent);
	cr_expect_eq(parent->pid, getppid());
	cr_expect_not_null(proc_table_get(pt, 1));
	proc_table_free(pt);
}

Test(proctable, live_miss_reads_proc_once_and_event_fields_win)
{
	struct proc_table *pt = proc_table_new(PROC_TABLE_LIVE);
	struct fake f;
	uint64_t now = wall_ns();
	fake_init(&f, "openat", getpid(), getppid(), now);
	f.ev.comm = "evcomm";
	f.ev.exe = NULL;
	proc_table_update(pt, &f.ev);
	const struct proc *p = f.ev.proc;
	cr_assert_not_null(p);
	cr_expect_eq(p->from_procfs, 1);
	cr_expect_str_eq(p->comm, "evcomm", "the event's comm is the newer truth");
	cr_expect_eq(p->sid, getsid(0), "from /proc");
	cr_expect_not_null(p->exepath, "from /proc");
	fake_init(&f, "openat", getpid(), getppid(), now + 1);
	f.ev.exe = p->exepath;
	proc_table_update(pt, &f.ev);
	struct proc_table_stats st;
	proc_table_get_stats(pt, &st);
	cr_expect_eq(st.procfs_reads, 1, "a hit does not read /proc");
	proc_table_free(pt);
}

Test(proctable, live_expiry_removes_processes_that_exited_unseen)
{
	pid_t child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	struct proc_table *pt = proc_table_new(PROC_TABLE_LIVE);
	cr_assert_gt(proc_table_scan(pt), 0);
	cr_assert_not_null(proc_table_get(pt, child));
	uint64_t now = wall_ns();
	/* other processes on the machine may exit meanwhile: only the ones we
	 * control are asserted */
	proc_table_expire(pt, now);
	cr_expect_not_null(proc_table_get(pt, child), "a running process was expired");
	cr_expect_not_null(proc_table_get(pt, getpid()), "a running process was expired");

	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	size_t before = proc_table_size(pt);
	cr_expect_geq(proc_table_expire(pt, now), 1);
	cr_expect_null(proc_table_get(pt, child));
	cr_expect_not_null(proc_table_get(pt, getpid()));
	cr_expect_lt(proc_table_size(pt), before);
	proc_table_free(pt);
}

Test(proctable, live_exited_process_takes_its_parents_container)
{
	pid_t child = fork();
	cr_assert_geq(child, 0);
	if (child == 0)
		_exit(0);
	waitpid(child, NULL, 0);
	struct proc_table *pt = proc_table_new(PROC_TABLE_LIVE);
	struct fake f;
	fake_init(&f, "exit_group", child, getpid(), wall_ns());
	proc_table_update(pt, &f.ev);
	const struct proc *c = f.ev.proc;
	cr_assert_not_null(c);
	cr_expect_eq(c->from_procfs, 0, "it was gone before we looked");
	const struct container_info *ci = proc_table_container(pt, c);
	const struct proc *parent = proc_table_parent(pt, c);
	cr_assert_not_null(parent, "the parent is read from /proc on demand");
	cr_expect_eq(parent->pid, getpid());
	cr_expect_not_null(parent->container, "resolved through the parent");
	cr_expect_not_null(ci);
	cr_expect_eq(proc_table_container(pt, parent), ci);
	proc_table_free(pt);
}

/* Wall-clock time of a moment `after_boot_ns` after this machine booted. */
static uint64_t boot_relative_wall_ns(uint64_t after_boot_ns)
{
	uint64_t boot = clock_boottime_ns();
	return wall_ns() - boot + after_boot_ns;
}

Test(proctable, live_pid_started_after_the_event_is_not_taken_from_proc)
{
	/* An event dated one second after boot for this test's pid: this
	 * process started later, so /proc describes another process. */
	struct proc_table *pt = proc_table_new(PROC_TABLE_LIVE);
	struct fake f;
	fake_init(&f, "openat", getpid(), 4242, boot_relative_wall_ns(SEC));
	f.ev.comm = "oldproc";
	f.ev.exe = "/usr/bin/oldproc";
	proc_table_update(pt, &f.ev);
	const struct proc *p = f.ev.proc;
	cr_assert_not_null(p);
	cr_expect_eq(p->from_procfs, 0);
	cr_expect_str_eq(p->exepath, "/usr/bin/oldproc");
	cr_expect_null(p->cwd, "not this process's cwd");
	cr_expect_eq(p->sid, KEV_UNSET);

	/* The sweep sees a start time later than the entry's: the pid was
	 * reused, the entry goes. */
	cr_expect_eq(proc_table_expire(pt, wall_ns()), 1);
	cr_expect_null(proc_table_get(pt, getpid()));
	proc_table_free(pt);
}

Test(proctable, live_new_parent_of_the_same_process_is_a_reparent)
{
	struct proc_table *pt = proc_table_new(PROC_TABLE_LIVE);
	cr_assert_gt(proc_table_scan(pt), 0);
	const struct proc *p = proc_table_get(pt, getpid());
	cr_assert_not_null(p);
	int argc = p->argc;
	/* Same pid, same start time in /proc, another ppid: reparented. */
	struct fake f;
	fake_init(&f, "openat", getpid(), 1, wall_ns());
	f.ev.exe = p->exepath;
	proc_table_update(pt, &f.ev);
	p = proc_table_get(pt, getpid());
	cr_expect_eq(p->ppid, 1);
	cr_expect_eq(p->argc, argc, "identity kept");
	cr_expect_eq(p->from_procfs, 1);
	struct proc_table_stats st;
	proc_table_get_stats(pt, &st);
	cr_expect_eq(st.pid_reuse, 0);
	proc_table_free(pt);
}

Test(proctable, live_changed_exe_of_the_same_process_is_checked_once)
{
	struct proc_table *pt = proc_table_new(PROC_TABLE_LIVE);
	cr_assert_gt(proc_table_scan(pt), 0);
	const struct proc *p = proc_table_get(pt, getpid());
	cr_assert_not_null(p);
	int argc = p->argc;
	/* The records spell the executable differently from /proc (as for a
	 * process in a container): /proc confirms the same process once. */
	struct fake f;
	for (int i = 0; i < 3; i++) {
		fake_init(&f, "openat", getpid(), getppid(), wall_ns());
		f.ev.exe = "/inside/the/container/exe";
		proc_table_update(pt, &f.ev);
	}
	p = proc_table_get(pt, getpid());
	cr_expect_str_eq(p->exepath, "/inside/the/container/exe");
	cr_expect_eq(p->argc, argc, "arguments kept");
	struct proc_table_stats st;
	proc_table_get_stats(pt, &st);
	cr_expect_eq(st.pid_reuse, 0);
	cr_expect_eq(st.procfs_reads, 1);
	proc_table_free(pt);
}

/* A child seen before any exec of its own (its fork was not audited) runs
 * its parent's program: its argv is the parent's, not the PROCTITLE record,
 * which the kernel cuts at 128 bytes. */
Test(proctable, forked_child_takes_parent_argv_not_truncated_proctitle)
{
	struct proc_table *pt = proc_table_new(PROC_TABLE_REPLAY);
	char longarg[300];
	memset(longarg, 'x', sizeof(longarg) - 1);
	longarg[sizeof(longarg) - 1] = '\0';
	const char *argv[] = {"python3", "/opt/tool.py", longarg, NULL};
	feed_exec(pt, 4100, 1, T0, "/usr/bin/python3", argv);

	/* the child's first event: an openat, PROCTITLE cut at 128 bytes */
	char cut[128];
	memcpy(cut, longarg, sizeof(cut) - 1);
	cut[sizeof(cut) - 1] = '\0';
	const char *title[] = {"python3", "/opt/tool.py", cut};
	struct fake f;
	fake_init(&f, "openat", 4101, 4100, T0 + SEC);
	f.ev.exe = "/usr/bin/python3";
	f.ev.comm = "python3";
	f.ev.proctitle = title;
	f.ev.nproctitle = 3;
	proc_table_update(pt, &f.ev);

	const struct proc *c = proc_table_get(pt, 4101);
	cr_assert_not_null(c);
	cr_assert_eq(c->argc, 3);
	cr_assert_str_eq(c->argv[2], longarg, "child argv taken from the truncated PROCTITLE");

	/* a child running another program keeps what its records say */
	const char *title2[] = {"sh", "-c", "x"};
	fake_init(&f, "openat", 4102, 4100, T0 + 2 * SEC);
	f.ev.exe = "/bin/sh";
	f.ev.proctitle = title2;
	f.ev.nproctitle = 3;
	proc_table_update(pt, &f.ev);
	c = proc_table_get(pt, 4102);
	cr_assert_not_null(c);
	cr_assert_str_eq(c->argv[0], "sh");
	proc_table_free(pt);
}

/* ---- per-exec cost (issue 14 item 5) ---- */

/* An exec miss takes what its SYSCALL record carries and reads no /proc
 * file; the session id is read when asked, once. */
Test(proctable, live_exec_miss_reads_stat_only_when_the_session_is_asked)
{
	struct proc_table *pt = proc_table_new(PROC_TABLE_LIVE);
	const char *argv[] = {"true", NULL};
	struct proc_table_stats st;
	struct fake f;

	proc_table_set_lazy_session(pt, 1);
	fake_exec(&f, getpid(), getppid(), wall_ns(), "/bin/true", "/", argv);
	f.ev.tty = "pts3";
	proc_table_update(pt, &f.ev);
	const struct proc *p = f.ev.proc;
	cr_assert_not_null(p);
	proc_table_get_stats(pt, &st);
	cr_expect_eq(st.procfs_reads, 0, "the exec record is enough");
	cr_expect_str_eq(p->comm, "true");
	cr_expect_str_eq(p->exepath, "/bin/true");
	cr_expect_eq(p->ppid, getppid());
	cr_expect_eq(p->uid, 1000);
	cr_expect_eq(p->auid, 1000);
	cr_expect_eq(p->ses, 3);
	cr_expect_eq(p->tty, 34819);
	cr_expect_eq(proc_table_session(pt, p), getsid(0));
	cr_expect_eq(p->sid, getsid(0));
	cr_expect_eq(proc_table_session(pt, p), getsid(0));
	proc_table_get_stats(pt, &st);
	cr_expect_eq(st.procfs_reads, 1, "read once, when asked");
	proc_table_free(pt);

	/* default: filled at the exec, as the engine reads p->sid directly */
	pt = proc_table_new(PROC_TABLE_LIVE);
	fake_exec(&f, getpid(), getppid(), wall_ns(), "/bin/true", "/", argv);
	proc_table_update(pt, &f.ev);
	cr_expect_eq(((const struct proc *)f.ev.proc)->sid, getsid(0));
	proc_table_free(pt);
}

/* A lazily read session id of a pid reused after the event is not taken. */
Test(proctable, live_lazy_session_of_a_reused_pid_is_unknown)
{
	struct proc_table *pt = proc_table_new(PROC_TABLE_LIVE);
	const char *argv[] = {"old", NULL};
	struct fake f;

	proc_table_set_lazy_session(pt, 1);
	fake_exec(&f, getpid(), 4242, boot_relative_wall_ns(SEC), "/bin/old", "/", argv);
	proc_table_update(pt, &f.ev);
	cr_assert_not_null(f.ev.proc);
	cr_expect_eq(proc_table_session(pt, f.ev.proc), KEV_UNSET);
	proc_table_free(pt);
}

/* A child that runs until killed (a real /proc/<pid>/cgroup: the host). */
static pid_t sleeper(void)
{
	pid_t child = fork();

	cr_assert_geq(child, 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	return child;
}

/* What a container the parent was resolved into looks like to the test:
 * not the host, so a child that re-read /proc (the host) shows it did. */
static struct container_info parent_box = {.type = CT_DOCKER, .id = "0123456789ab"};

/* This process exec'ing parent_exe (its container set to parent_box), then
 * the sleeper child exec'ing exe: the child's container. */
static const struct container_info *exec_container(struct proc_table *pt, pid_t child,
                                                   const char *parent_exe, const char *exe)
{
	const char *pargv[] = {"parent", NULL}, *argv[] = {"child", NULL};
	struct fake f;
	uint64_t now = wall_ns();

	if (parent_exe) {
		fake_exec(&f, getpid(), getppid(), now, parent_exe, "/", pargv);
		proc_table_update(pt, &f.ev);
		cr_assert_not_null(f.ev.proc);
		((struct proc *)f.ev.proc)->container = &parent_box;
	}
	fake_exec(&f, child, getpid(), now + 1000, exe, "/", argv);
	proc_table_update(pt, &f.ev);
	cr_assert_not_null(f.ev.proc);
	return proc_table_container(pt, f.ev.proc);
}

/* An exec takes its parent's resolved container without reading
 * /proc/<pid>/cgroup, unless a runtime or cgroup mover is involved or the
 * parent is unknown. */
Test(proctable, live_exec_inherits_the_parents_container)
{
	static const char *const movers[] = {"/usr/sbin/runc",
	                                     "/usr/bin/crun",
	                                     "/usr/bin/containerd-shim-runc-v2",
	                                     "/usr/bin/conmon",
	                                     "/usr/lib/systemd/systemd",
	                                     "/usr/bin/lxc-start",
	                                     "/usr/bin/systemd-nspawn"};
	pid_t child = sleeper();
	struct proc_table *pt = proc_table_new(PROC_TABLE_LIVE);
	struct proc_table_stats st;

	cr_expect_eq(exec_container(pt, child, "/usr/bin/bash", "/usr/bin/id"), &parent_box);
	proc_table_get_stats(pt, &st);
	cr_expect_eq(st.container_inherited, 1);
	proc_table_free(pt);
	for (size_t i = 0; i < sizeof(movers) / sizeof(movers[0]); i++) {
		/* a runtime as the parent: the child may be in a new cgroup */
		pt = proc_table_new(PROC_TABLE_LIVE);
		cr_expect_eq(exec_container(pt, child, movers[i], "/usr/bin/id"), &container_host,
		             "parent %s", movers[i]);
		proc_table_free(pt);
		/* a runtime exec'd: the same */
		pt = proc_table_new(PROC_TABLE_LIVE);
		cr_expect_eq(exec_container(pt, child, "/usr/bin/bash", movers[i]), &container_host,
		             "exe %s", movers[i]);
		proc_table_free(pt);
	}
	/* the parent unknown at the exec: read */
	pt = proc_table_new(PROC_TABLE_LIVE);
	cr_expect_eq(exec_container(pt, child, NULL, "/usr/bin/id"), &container_host);
	proc_table_get_stats(pt, &st);
	cr_expect_eq(st.container_inherited, 0);
	proc_table_free(pt);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
}

/* ---- replay memory (issue 17 item 9) ---- */

/* A long log of distinct processes that never say they exit (exit_group
 * is not audited by the default rules): the table stays under its bound,
 * the expiries are counted, and what the rules need survives: the
 * processes that acted recently and every ancestor of one. */
Test(proctable, replay_of_100000_pids_stays_bounded, .timeout = 60)
{
	struct proc_table *pt = proc_table_new(PROC_TABLE_REPLAY);
	const char *sh[] = {"sh", "-c", "work", NULL}, *d[] = {"sshd", "-D", NULL};
	struct proc_table_stats st;
	const struct proc *p;
	size_t peak = 0;

	/* a daemon started at the beginning, silent ever after */
	feed_exec(pt, 50, 1, T0, "/usr/sbin/sshd", d);
	for (int64_t i = 0; i < 100000; i++) {
		uint64_t t = T0 + SEC + (uint64_t)i * 10000000ull; /* 10 ms apart */
		int64_t pid = 1000 + i;

		feed_fork(pt, "clone", 50, 1, t, pid, 0);
		feed_exec(pt, pid, 50, t + 1000000, "/bin/sh", sh);
		if (proc_table_size(pt) > peak)
			peak = proc_table_size(pt);
	}
	proc_table_get_stats(pt, &st);
	cr_expect_leq(peak, PROC_REPLAY_MAX_ENTRIES + 1, "peak %zu entries", peak);
	cr_expect_leq(st.live + st.dead, PROC_REPLAY_MAX_ENTRIES);
	cr_expect_geq(st.expired, 100000 - PROC_REPLAY_MAX_ENTRIES);
	/* the latest process is whole, and so is its silent parent */
	p = proc_table_get(pt, 1000 + 99999);
	cr_assert_not_null(p);
	cr_expect_str_eq(p->exepath, "/bin/sh");
	cr_expect_eq(p->argc, 3);
	p = proc_table_parent(pt, p);
	cr_assert_not_null(p, "the parent of a live entry is never expired");
	cr_expect_str_eq(p->exepath, "/usr/sbin/sshd");
	proc_table_free(pt);
}

/* By log time: a process not seen for PROC_REPLAY_IDLE_NS of log time, and
 * not an ancestor of one seen since, is forgotten even under the bound. */
Test(proctable, replay_forgets_idle_processes_by_log_time)
{
	struct proc_table *pt = proc_table_new(PROC_TABLE_REPLAY);
	const char *a[] = {"a", NULL};
	struct proc_table_stats st;

	feed_exec(pt, 100, 1, T0, "/bin/a", a);      /* idle afterwards */
	feed_exec(pt, 200, 1, T0, "/bin/parent", a); /* parent of 201 */
	feed_fork(pt, "clone", 200, 1, T0 + SEC, 201, 0);
	for (uint64_t k = 1; k <= 4; k++) /* 201 keeps acting for 2 hours */
		feed_exec(pt, 201, 200, T0 + k * PROC_REPLAY_IDLE_NS / 2 + SEC, "/bin/child", a);
	cr_expect_null(proc_table_get(pt, 100), "idle for 2 windows of log time");
	cr_expect_not_null(proc_table_get(pt, 200), "ancestor of an active process");
	cr_expect_not_null(proc_table_get(pt, 201));
	proc_table_get_stats(pt, &st);
	cr_expect_geq(st.expired, 1);
	proc_table_free(pt);
}

/* ---- kestrel's own log (issue 17 item 15; pipeline.c) ---- */

/* A malformed record whose key carries terminal escapes (OSC set-title,
 * CSI clear-screen): the parse error that names the key reaches stderr and
 * syslog, so it must arrive escaped, never as raw control bytes. */
Test(pipeline_log, malformed_record_key_is_escaped)
{
	static const char rec[] = "audit(1700000000.100:30): pid=1 \x1b]0;pwned\x07\x1b[2J\x9b"
	                          "6n=\"unterminated";
	char path[] = "/tmp/kestrel-pl-log-XXXXXX", buf[4096];
	struct pipeline pl;
	int fd = mkstemp(path), saved = dup(2);
	ssize_t n;

	cr_assert_geq(fd, 0);
	cr_assert_eq(pipeline_init(&pl, ASM_REPLAY, NULL, NULL), 0);
	log_init(1, 0, LOG_LVL_INFO);
	fflush(stderr);
	dup2(fd, 2);
	pipeline_feed(&pl, 1300, rec, sizeof(rec) - 1, 0, "evil\x1b[31m.log", 7);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	pipeline_fini(&pl);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	unlink(path);
	cr_assert_gt(n, 0);
	buf[n] = '\0';
	cr_expect_not_null(strstr(buf, "malformed audit record"), "%s", buf);
	cr_expect_null(memchr(buf, 0x1b, (size_t)n), "raw ESC in the log: %s", buf);
	cr_expect_null(memchr(buf, 0x07, (size_t)n), "raw BEL in the log: %s", buf);
	cr_expect_null(memchr(buf, 0x9b, (size_t)n), "raw C1 CSI in the log: %s", buf);
	cr_expect_not_null(strstr(buf, "\\x1b]0;pwned"), "%s", buf);
}
