/*
 * test_procfs.c — procfs_read_info() on the live /proc: for a kernel
 * thread it skips the status, loginuid, sessionid, exe and cmdline reads,
 * so what it returns must be what those files say; for this process
 * every field is read and matches what the process knows of itself.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc/procfs.h"
#include "testutil.h"

/* The number in /proc/<pid>/<name>, -1 when unreadable. */
static long long file_number(long pid, const char *name)
{
	char p[64], buf[32] = "";
	snprintf(p, sizeof(p), "/proc/%ld/%s", pid, name);
	FILE *f = fopen(p, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	return n ? strtoll(buf, NULL, 10) : -1;
}

/* Real and effective Uid:/Gid: and the last NSpid: of /proc/<pid>/status;
 * 0 when unreadable. */
static int status_ids(long pid, long long uid[2], long long gid[2], long long *nspid)
{
	char p[64], line[256];
	int got = 0;
	snprintf(p, sizeof(p), "/proc/%ld/status", pid);
	FILE *f = fopen(p, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Uid: %lld %lld", &uid[0], &uid[1]) == 2 ||
		    sscanf(line, "Gid: %lld %lld", &gid[0], &gid[1]) == 2)
			got++;
		else if (strncmp(line, "NSpid:", 6) == 0) {
			char *s = strrchr(line, '\t');
			*nspid = s ? strtoll(s + 1, NULL, 10) : -1;
			got++;
		}
	}
	fclose(f);
	return got == 3;
}

/* 1 when /proc/<pid>/stat's flags field has PF_KTHREAD (field 9). */
static int is_kthread(long pid)
{
	char p[64], buf[1024];
	snprintf(p, sizeof(p), "/proc/%ld/stat", pid);
	FILE *f = fopen(p, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *s = strrchr(buf, ')');
	unsigned long long flags = 0;
	if (!s || sscanf(s + 1, " %*c %*d %*d %*d %*d %*d %llu", &flags) != 1)
		return 0;
	return (flags & 0x00200000ull) != 0;
}

Test(procfs, kernel_threads_read_as_their_files_say)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int checked = 0;
	static struct procfs_info info;
	cr_assert_not_null(d);
	while ((de = readdir(d)) != NULL && checked < 50) {
		char *end, p[64], link[256];
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0 || !is_kthread(pid))
			continue;
		if (procfs_read_info("/proc", pid, &info) < 0)
			continue; /* gone */
		long long auid = file_number(pid, "loginuid"), ses = file_number(pid, "sessionid");
		snprintf(p, sizeof(p), "/proc/%ld/exe", pid);
		int has_exe = readlink(p, link, sizeof(link)) >= 0;
		snprintf(p, sizeof(p), "/proc/%ld/cmdline", pid);
		int fd = open(p, O_RDONLY);
		ssize_t cmdlen = fd >= 0 ? read(fd, link, sizeof(link)) : -1;
		if (fd >= 0)
			close(fd);
		cr_expect_eq(info.auid, auid, "pid %ld loginuid", pid);
		cr_expect_eq(info.ses, ses, "pid %ld sessionid", pid);
		cr_expect_eq(info.has_exe, has_exe, "pid %ld exe", pid);
		cr_expect_str_eq(info.exepath, "", "pid %ld exe", pid);
		cr_expect_eq(info.cmdline_len, (size_t)(cmdlen > 0 ? cmdlen : 0), "pid %ld", pid);
		long long uid[2], gid[2], nspid;
		cr_assert(status_ids(pid, uid, gid, &nspid), "pid %ld status", pid);
		cr_expect_eq(info.uid, uid[0], "pid %ld Uid", pid);
		cr_expect_eq(info.euid, uid[1], "pid %ld Uid (effective)", pid);
		cr_expect_eq(info.gid, gid[0], "pid %ld Gid", pid);
		cr_expect_eq(info.egid, gid[1], "pid %ld Gid (effective)", pid);
		cr_expect_eq(info.vpid, nspid, "pid %ld NSpid", pid);
		checked++;
	}
	closedir(d);
	if (!checked)
		cr_skip_test("no kernel thread visible in /proc (a pid namespace?)");
	cr_log_info("%d kernel threads checked", checked);
}

Test(procfs, this_process_is_read_in_full)
{
	static struct procfs_info info;
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	cr_assert_gt(n, 0);
	self[n] = '\0';
	cr_assert_eq(procfs_read_info("/proc", getpid(), &info), 0);
	cr_expect_eq(info.st.pid, getpid());
	cr_expect_eq(info.st.ppid, getppid());
	cr_expect_eq(info.has_exe, 1);
	cr_expect_str_eq(info.exepath, self);
	cr_expect_eq(info.uid, (int64_t)getuid());
	cr_expect_eq(info.auid, file_number(getpid(), "loginuid"));
	cr_expect_eq(info.ses, file_number(getpid(), "sessionid"));
	cr_expect_gt(info.cmdline_len, 0);
}

/* The cmdline file in full, read until EOF by stdio. */
static size_t file_bytes(long pid, const char *name, char *buf, size_t cap)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%ld/%s", pid, name);
	FILE *f = fopen(p, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

Test(procfs, one_read_gets_a_cmdline_of_several_thousand_bytes)
{
	/* procfs reads each file with one read() (no read to see EOF): a
	 * cmdline just under PROCFS_CMDLINE_MAX, across a page boundary of
	 * the child's stack, must come back whole */
	static struct procfs_info info;
	static char want[PROCFS_CMDLINE_MAX + 64];
	char a[2500], b[1400];
	memset(a, 'a', sizeof(a) - 1);
	a[sizeof(a) - 1] = '\0';
	memset(b, 'b', sizeof(b) - 1);
	b[sizeof(b) - 1] = '\0';
	int in[2];
	cr_assert_eq(pipe(in), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dup2(in[0], 0);
		close(in[1]);
		execl("/bin/sh", "sh", "-c", "read x", "arg0", a, b, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	size_t n = 0;
	for (int tries = 0; tries < 500; tries++) {
		n = file_bytes(pid, "cmdline", want, sizeof(want));
		if (n > sizeof(a) + sizeof(b))
			break;
		usleep(2000);
	}
	cr_assert_gt(n, sizeof(a) + sizeof(b), "the child never exec'ed sh");
	cr_assert_lt(n, PROCFS_CMDLINE_MAX);
	cr_assert_eq(procfs_read_info("/proc", pid, &info), 0);
	cr_expect_eq(info.cmdline_len, n);
	cr_expect_eq(memcmp(info.cmdline, want, n), 0);
	/* status is read whole too: NSpid, well past the first hundred bytes */
	cr_expect_eq(info.vpid, pid);
	close(in[1]);
	int st;
	waitpid(pid, &st, 0);
}
