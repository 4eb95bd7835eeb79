/*
 * test_runtime_scan.c — the start-up /proc scan that runs in a thread while
 * the rules load (RUNTIME_LIVE_SCAN) fills the process table as the
 * sequential scan does: the same processes, with the same identity. Children
 * made for the test must be in both tables; every other process present in
 * both (same pid and start) must agree field by field. Built with
 * -fsanitize=thread it also checks that the loader and the scan share
 * nothing unguarded.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/kconfig.h"
#include "daemon/runtime.h"
#include "proc/proc.h"
#include "testutil.h"

#define NCHILDREN 3

static char tmpdir[] = "/tmp/kestrel-test-rtscan-XXXXXX";
static char rules[256];
static pid_t children[NCHILDREN];

static void setup(void)
{
	cr_assert_not_null(mkdtemp(tmpdir));
	snprintf(rules, sizeof(rules), "%s/rules.yaml", tmpdir);
	FILE *f = fopen(rules, "w");
	cr_assert_not_null(f);
	/* enough rules that the load takes a while beside the scan */
	fputs("- list: shells\n  items: [sh, bash, dash, zsh]\n", f);
	for (int i = 0; i < 40; i++)
		fprintf(f,
		        "- rule: r%d\n  desc: d\n  condition: evt.type = execve and proc.name in "
		        "(shells) and proc.cmdline contains \"x%d\" and fd.name startswith /etc\n"
		        "  output: \"%%proc.name %%fd.name\"\n  priority: WARNING\n",
		        i, i);
	fclose(f);
	for (int i = 0; i < NCHILDREN; i++) {
		children[i] = fork();
		cr_assert_geq(children[i], 0);
		if (children[i] == 0) {
			/* its own group: teardown kills sh and its sleep together,
			 * so no orphan outlives the test */
			setpgid(0, 0);
			char arg[32];
			snprintf(arg, sizeof(arg), "child-%d", i);
			execl("/bin/sh", "sh", "-c", "sleep 30", arg, (char *)NULL);
			_exit(127);
		}
	}
	/* each child has exec'ed sh once its cmdline says so */
	for (int i = 0; i < NCHILDREN; i++) {
		char p[64], buf[64];
		snprintf(p, sizeof(p), "/proc/%d/cmdline", (int)children[i]);
		for (int tries = 0; tries < 500; tries++) {
			FILE *c = fopen(p, "r");
			size_t n = c ? fread(buf, 1, sizeof(buf), c) : 0;
			if (c)
				fclose(c);
			if (n >= 3 && memcmp(buf, "sh", 3) == 0)
				break;
			usleep(2000);
		}
	}
}

static void teardown(void)
{
	for (int i = 0; i < NCHILDREN; i++)
		if (children[i] > 0) {
			kill(-children[i], SIGKILL);
			kill(children[i], SIGKILL); /* in case it had no group yet */
			waitpid(children[i], NULL, 0);
		}
	unlink(rules);
	rmdir(tmpdir);
}

static struct runtime *new_runtime(int mode)
{
	struct kestrel_config cfg;
	char err[512];

	cr_assert_eq(config_init(&cfg), 0);
	cr_assert_eq(config_set(&cfg, "rules_files", rules, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(config_set_option(&cfg, "syslog_output.enabled=false", err, sizeof(err)), 0,
	             "%s", err);
	cr_assert_eq(config_set_option(&cfg, "stdout_output.enabled=false", err, sizeof(err)), 0,
	             "%s", err);
	struct runtime *rt = runtime_new(&cfg, mode, err, sizeof(err));
	cr_assert_not_null(rt, "%s", err);
	return rt;
}

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Whether a and b hold the same identity of one process. */
static int same_proc(const struct proc *a, const struct proc *b)
{
	if (a->ppid != b->ppid || a->sid != b->sid || a->vpid != b->vpid || a->tty != b->tty ||
	    strcmp(a->comm, b->comm) != 0 || a->uid != b->uid || a->euid != b->euid ||
	    a->gid != b->gid || a->egid != b->egid || a->auid != b->auid || a->ses != b->ses ||
	    a->exe_writable != b->exe_writable || a->argc != b->argc ||
	    !same_str(a->exepath, b->exepath) || !same_str(a->cwd, b->cwd) ||
	    a->from_procfs != b->from_procfs)
		return 0;
	for (int i = 0; i < a->argc; i++)
		if (strcmp(a->argv[i], b->argv[i]) != 0)
			return 0;
	return 1;
}

Test(runtime_scan, threaded_scan_holds_what_a_sequential_scan_holds, .init = setup,
     .fini = teardown)
{
	struct runtime *rt = new_runtime(RUNTIME_LIVE_SCAN);
	int threaded = runtime_scan_procs(rt);
	struct proc_table *seq = proc_table_new(PROC_TABLE_LIVE);
	cr_assert_not_null(seq);
	int sequential = proc_table_scan(seq);
	struct proc_table *thr = runtime_procs(rt);

	cr_assert_gt(threaded, 0);
	cr_expect_eq((size_t)threaded, proc_table_size(thr));
	cr_expect_gt(runtime_scan_cpu_ns(rt), 0, "the thread's CPU time is reported");
	for (int i = 0; i < NCHILDREN; i++) {
		const struct proc *a = proc_table_get(thr, children[i]);
		const struct proc *b = proc_table_get(seq, children[i]);
		char arg[32];
		snprintf(arg, sizeof(arg), "child-%d", i);
		cr_assert_not_null(a, "child %d is not in the threaded scan's table", i);
		cr_assert_not_null(b, "child %d is not in the sequential scan's table", i);
		cr_expect(same_proc(a, b), "child %d differs between the scans", i);
		cr_expect_eq(a->argc, 4);
		cr_expect_str_eq(a->argv[3], arg);
	}
	cr_expect_not_null(proc_table_get(thr, getpid()));

	/* every process both scans saw (same pid and start) is the same */
	DIR *d = opendir("/proc");
	struct dirent *de;
	int both = 0, differ = 0, nseq = 0;
	cr_assert_not_null(d);
	while ((de = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		const struct proc *a = proc_table_get(thr, pid);
		const struct proc *b = proc_table_get(seq, pid);
		/* kernel threads (kthreadd, pid 2, and its children) rename
		 * themselves as they run work items: "kworker/1:1-events" */
		if (!b || pid == 2 || b->ppid == 2)
			continue;
		nseq++;
		if (!a || a->start != b->start)
			continue;
		both++;
		if (!same_proc(a, b)) {
			differ++;
			cr_log_warn("pid %ld (%s) differs between the scans", pid, a->comm);
		}
	}
	closedir(d);
	/* a process may change (exec, chdir) between the two scans: on a busy
	 * host (a parallel build, other tests) a few do; most must not */
	cr_expect_leq(differ * 20, both, "%d of %d processes differ", differ, both);
	/* processes may come and go between the scans, not most of them */
	cr_expect_gt(sequential, nseq, "kernel threads were scanned too");
	cr_expect_geq(both * 10, nseq * 9, "%d of %d user processes in both", both, nseq);
	proc_table_free(seq);
	runtime_free(rt);
}

Test(runtime_scan, freed_before_the_join_waits_for_the_thread, .init = setup, .fini = teardown)
{
	/* a start-up that fails after runtime_new: runtime_free joins */
	struct runtime *rt = new_runtime(RUNTIME_LIVE_SCAN);
	struct runtime_stats st;

	runtime_get_stats(rt, &st); /* joins first: no read beside the thread */
	cr_expect_gt(st.processes, NCHILDREN);
	runtime_free(rt);
	rt = new_runtime(RUNTIME_LIVE_SCAN);
	runtime_free(rt);
}

Test(runtime_scan, replay_never_scans, .init = setup, .fini = teardown)
{
	struct runtime *rt = new_runtime(RUNTIME_REPLAY);

	cr_expect_eq(runtime_scan_procs(rt), 0);
	cr_expect_eq(proc_table_size(runtime_procs(rt)), 0);
	cr_expect_eq(runtime_scan_cpu_ns(rt), 0);
	runtime_free(rt);
}
