/*
 * procfs.c — reads one process's /proc/<pid> files (stat, status, cmdline,
 * exe and cwd links, loginuid, sessionid) into fixed buffers, and maps the
 * audit tty= name to the device number Falco's proc.tty shows. Used by the
 * process table for the start-up scan, a table miss and the expiry sweep;
 * every read is bounded and allocation-free.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <linux/capability.h>
#include <unistd.h>

#include "proc/procfs.h"
#include "proc/proctable_ext.h"

/* /proc/<pid>/stat is one line well under this (comm is at most 15 bytes). */
#define PROCFS_STAT_BUF 1024
/* /proc/<pid>/status is about 1.5 KiB on current kernels. */
#define PROCFS_STATUS_BUF 4096
/* Small numeric files (loginuid, sessionid). */
#define PROCFS_NUM_BUF 32
/* Field numbers of /proc/<pid>/stat (proc(5)), counted from 1. */
#define STAT_FIELD_STATE 3
#define STAT_FIELD_PPID 4
#define STAT_FIELD_SESSION 6
#define STAT_FIELD_TTY_NR 7
#define STAT_FIELD_FLAGS 9
#define STAT_FIELD_STARTTIME 22
/* Room for "<procroot>/<pid>" with a 20-digit pid. */
#define PROCFS_DIR_MAX 256
#define NS_PER_SEC 1000000000ull
/* The kernel's task flag of a kernel thread (include/linux/sched.h), shown
 * in the flags field of /proc/<pid>/stat. */
#define PROCFS_PF_KTHREAD 0x00200000ull

/*
 * Up to cap-1 bytes of dirfd/name, NUL-terminated; the length or -1 with
 * errno set. Three system calls (open, read, close) where file_read_into()
 * takes five: /proc/<pid>/ files are procfs's own regular files, so the
 * fstat that refuses FIFOs and devices is left out (O_NONBLOCK still keeps
 * a FIFO from blocking under a test's fake root), and a short read is the
 * end of the file: stat, status, loginuid and sessionid are produced whole
 * for a read as large as they are, and cmdline's read loops over the
 * argument pages up to the count (fs/proc/base.c), so the read that would
 * only return 0 is not made.
 */
static ssize_t read_text(int dirfd, const char *name, char *buf, size_t cap)
{
	ssize_t r;
	int fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return -1;
	do
		r = read(fd, buf, cap - 1);
	while (r < 0 && errno == EINTR);
	int saved = errno;
	close(fd);
	if (r < 0) {
		errno = saved;
		return -1;
	}
	buf[r] = '\0';
	return r;
}

static uint64_t ticks_to_ns(uint64_t ticks)
{
	static long hz;
	if (hz <= 0) {
		hz = sysconf(_SC_CLK_TCK);
		if (hz <= 0)
			hz = 100; /* USER_HZ on every Linux architecture */
	}
	return ticks * (NS_PER_SEC / (uint64_t)hz);
}

/* Parses the text of a stat file (and its flags field into *flags when
 * not NULL). comm is between the first '(' and the last ')' since comm
 * itself may contain spaces and parentheses. */
static int parse_stat(const char *buf, struct procfs_stat *st, uint64_t *flags)
{
	const char *open = strchr(buf, '(');
	const char *close = strrchr(buf, ')');
	if (!open || !close || close < open)
		return -1;
	st->pid = strtoll(buf, NULL, 10);
	size_t clen = (size_t)(close - open - 1);
	if (clen >= sizeof(st->comm))
		clen = sizeof(st->comm) - 1;
	memcpy(st->comm, open + 1, clen);
	st->comm[clen] = '\0';

	const char *p = close + 1;
	int field = STAT_FIELD_STATE;
	int found = 0;
	while (*p && field <= STAT_FIELD_STARTTIME) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		char *end;
		switch (field) {
		case STAT_FIELD_PPID:
			st->ppid = strtoll(p, &end, 10);
			found++;
			break;
		case STAT_FIELD_SESSION:
			st->sid = strtoll(p, &end, 10);
			found++;
			break;
		case STAT_FIELD_TTY_NR:
			st->tty_nr = strtoll(p, &end, 10);
			found++;
			break;
		case STAT_FIELD_FLAGS:
			if (flags)
				*flags = strtoull(p, &end, 10);
			break;
		case STAT_FIELD_STARTTIME:
			st->start_ns = ticks_to_ns(strtoull(p, &end, 10));
			found++;
			break;
		default:
			break;
		}
		while (*p && *p != ' ')
			p++;
		field++;
	}
	return found == 4 ? 0 : -1;
}

static int stat_at(int dirfd, struct procfs_stat *st, uint64_t *flags)
{
	char buf[PROCFS_STAT_BUF];
	if (read_text(dirfd, "stat", buf, sizeof(buf)) < 0)
		return -1;
	memset(st, 0, sizeof(*st));
	if (parse_stat(buf, st, flags) < 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

static int open_pid_dir(const char *procroot, int64_t pid)
{
	char dir[PROCFS_DIR_MAX];
	snprintf(dir, sizeof(dir), "%s/%" PRId64, procroot, pid);
	return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int procfs_read_stat(const char *procroot, int64_t pid, struct procfs_stat *st)
{
	char path[PROCFS_DIR_MAX];
	snprintf(path, sizeof(path), "%s/%" PRId64 "/stat", procroot, pid);
	char buf[PROCFS_STAT_BUF];
	if (read_text(AT_FDCWD, path, buf, sizeof(buf)) < 0)
		return -1;
	memset(st, 0, sizeof(*st));
	if (parse_stat(buf, st, NULL) < 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* "Uid:\t0\t0\t0\t0" -> real, effective. */
static void status_ids(const char *buf, const char *tag, int64_t *real, int64_t *eff)
{
	const char *p = strstr(buf, tag);
	if (!p)
		return;
	p += strlen(tag);
	char *end;
	long long r = strtoll(p, &end, 10);
	if (end == p)
		return;
	long long e = strtoll(end, &end, 10);
	*real = r;
	*eff = e;
}

/* The last number of "NSpid:\t412\t1": the pid in the innermost namespace. */
static int64_t status_vpid(const char *buf)
{
	const char *p = strstr(buf, "\nNSpid:");
	if (!p)
		return -1;
	p += strlen("\nNSpid:");
	int64_t last = -1;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!isdigit((unsigned char)*p))
			break;
		char *end;
		last = strtoll(p, &end, 10);
		p = end;
	}
	return last;
}

static int64_t read_number(int dirfd, const char *name)
{
	char buf[PROCFS_NUM_BUF];
	if (read_text(dirfd, name, buf, sizeof(buf)) <= 0)
		return -1;
	return strtoll(buf, NULL, 10);
}

static int read_link(int dirfd, const char *name, char *out, size_t cap)
{
	ssize_t n = readlinkat(dirfd, name, out, cap - 1);
	if (n < 0) {
		out[0] = '\0';
		return 0;
	}
	out[n] = '\0';
	return 1;
}

int procfs_mode_writable(uint32_t mode, int64_t ouid, int64_t ogid, int64_t euid, int64_t egid,
                         int64_t cap_eff)
{
	/* the owner may chmod it: writable (the kernel's inode_owner_or_capable) */
	if (ouid == euid)
		return 1;
	if (cap_eff >= 0) {
		if ((uint64_t)cap_eff & ((1ull << CAP_DAC_OVERRIDE) | (1ull << CAP_FOWNER)))
			return 1;
	} else if (euid == 0) {
		return 1;
	}
	if (ogid == egid)
		return (mode & S_IWGRP) != 0;
	return (mode & S_IWOTH) != 0;
}

/* Opens the pid's directory and reads stat and status through it; *flags
 * gets the stat file's task flags. */
static int read_core(const char *procroot, int64_t pid, struct procfs_info *info, int *dirfdp,
                     uint64_t *flags)
{
	int dirfd = open_pid_dir(procroot, pid);
	if (dirfd < 0)
		return -1;
	/* Everything below is read through dirfd: if the pid is reused while
	 * we read, the old directory answers ESRCH instead of the new process. */
	if (stat_at(dirfd, &info->st, flags) < 0) {
		int saved = errno;
		close(dirfd);
		errno = saved;
		return -1;
	}
	info->uid = info->euid = info->gid = info->egid = -1;
	info->vpid = -1;
	char status[PROCFS_STATUS_BUF];
	if (*flags & PROCFS_PF_KTHREAD) {
		/* what a kernel thread's status says, without reading its
		 * largest file (most of a host's processes at start-up are
		 * kernel threads): the real credentials kthreadd gave it,
		 * init_cred's root (override_creds() changes only the
		 * subjective ones, which status does not show; kernel code
		 * committing new real ones in its own thread would read as
		 * root here), and its pid: it lives in the initial pid
		 * namespace, and only a /proc of that namespace lists it */
		info->uid = info->euid = info->gid = info->egid = 0;
		info->vpid = info->st.pid;
	} else if (read_text(dirfd, "status", status, sizeof(status)) > 0) {
		status_ids(status, "\nUid:", &info->uid, &info->euid);
		status_ids(status, "\nGid:", &info->gid, &info->egid);
		info->vpid = status_vpid(status);
	}
	*dirfdp = dirfd;
	return 0;
}

int procfs_read_core(const char *procroot, int64_t pid, struct procfs_info *info)
{
	if (procfs_read_stat(procroot, pid, &info->st) < 0)
		return -1;
	info->uid = info->euid = info->gid = info->egid = -1;
	info->vpid = -1;
	info->auid = info->ses = -1;
	info->has_exe = info->has_cwd = 0;
	info->cmdline_len = 0;
	info->exe_writable = -1;
	return 0;
}

/*
 * What a kernel thread's loginuid, sessionid, exe and cmdline files say,
 * without the four reads (a third of the cost of a process; most of a
 * host's processes at start-up are kernel threads): no mm, so no exe link
 * and an empty cmdline; the audit ids of init_task, unset (4294967295),
 * which only the task itself could change.
 */
static void kthread_info(struct procfs_info *info)
{
	info->auid = info->ses = (int64_t)UINT32_MAX;
	info->has_exe = 0;
	info->exepath[0] = '\0';
	info->cmdline_len = 0;
}

int procfs_read_info(const char *procroot, int64_t pid, struct procfs_info *info)
{
	int dirfd;
	uint64_t flags = 0;
	if (read_core(procroot, pid, info, &dirfd, &flags) < 0)
		return -1;
	if (flags & PROCFS_PF_KTHREAD) {
		kthread_info(info);
	} else {
		info->auid = read_number(dirfd, "loginuid");
		info->ses = read_number(dirfd, "sessionid");
		info->has_exe = read_link(dirfd, "exe", info->exepath, sizeof(info->exepath));
		ssize_t n = read_text(dirfd, "cmdline", info->cmdline, sizeof(info->cmdline));
		info->cmdline_len = n > 0 ? (size_t)n : 0;
	}
	info->has_cwd = read_link(dirfd, "cwd", info->cwd, sizeof(info->cwd));
	info->exe_writable = -1;
	/* AT_STATX_DONT_SYNC: the attributes the kernel has cached; a FUSE
	 * (or NFS) executable's server is never asked, so a server that stops
	 * answering cannot stall the event loop. */
	struct statx sx;
	if (info->has_exe && info->euid >= 0 &&
	    statx(dirfd, "exe", AT_STATX_DONT_SYNC, STATX_MODE | STATX_UID | STATX_GID, &sx) == 0)
		info->exe_writable = procfs_mode_writable(sx.stx_mode, sx.stx_uid, sx.stx_gid,
		                                          info->euid, info->egid, -1);
	close(dirfd);
	return 0;
}

/* The kernel's new_encode_dev(): what /proc/<pid>/stat prints as tty_nr. */
static int64_t encode_dev(unsigned major, unsigned minor)
{
	return (int64_t)((minor & 0xffu) | (major << 8) | ((minor & ~0xffu) << 12));
}

/* Minors of one tty kind; larger numbers are not devices of that kind. */
#define TTY_VT_MAX 64          /* tty0..tty63 (major 4, below ttyS) */
#define TTY_PTS_MAX (1u << 20) /* NR_UNIX98_PTY_MAX */
#define TTY_SERIAL_MAX 256
#define CONSOLE_MAJOR 5
#define CONSOLE_MINOR 1

/* Character-device majors and first minors of the terminals audit names
 * (Documentation/admin-guide/devices.txt). Longer prefixes come first so
 * "ttyS" is not read as "tty". */
static const struct tty_kind {
	const char *prefix;
	unsigned major;
	unsigned first_minor;
	unsigned long count;
} tty_kinds[] = {
    {"ttyAMA", 204, 64, TTY_SERIAL_MAX - 64},
    {"ttyUSB", 188, 0, TTY_SERIAL_MAX},
    {"ttyACM", 166, 0, TTY_SERIAL_MAX},
    {"ttyS", 4, 64, TTY_SERIAL_MAX - 64},
    {"pts", 136, 0, TTY_PTS_MAX},
    {"hvc", 229, 0, TTY_SERIAL_MAX},
    {"tty", 4, 0, TTY_VT_MAX},
};

int64_t proc_tty_from_name(const char *name)
{
	if (!name || !*name)
		return -1;
	if (strcmp(name, "(none)") == 0)
		return 0;
	if (strcmp(name, "console") == 0)
		return encode_dev(CONSOLE_MAJOR, CONSOLE_MINOR);
	for (size_t i = 0; i < sizeof(tty_kinds) / sizeof(tty_kinds[0]); i++) {
		size_t plen = strlen(tty_kinds[i].prefix);
		if (strncmp(name, tty_kinds[i].prefix, plen) != 0)
			continue;
		const char *num = name + plen;
		if (!isdigit((unsigned char)*num))
			continue;
		char *end;
		errno = 0;
		unsigned long n = strtoul(num, &end, 10);
		if (*end || errno)
			return -1;
		if (n >= tty_kinds[i].count)
			return -1;
		return encode_dev(tty_kinds[i].major, tty_kinds[i].first_minor + (unsigned)n);
	}
	return -1;
}

int procfs_read_caps(const char *procroot, int64_t pid, enum proc_capset which, uint64_t *caps)
{
	static const char *const keys[] = {
	    [PROC_CAP_EFFECTIVE] = "\nCapEff:",
	    [PROC_CAP_PERMITTED] = "\nCapPrm:",
	    [PROC_CAP_INHERITABLE] = "\nCapInh:",
	};
	char path[PROCFS_DIR_MAX], buf[PROCFS_STATUS_BUF];
	unsigned long long v;

	if (pid <= 0 || (unsigned)which > PROC_CAP_INHERITABLE)
		return 0;
	snprintf(path, sizeof(path), "%s/%" PRId64 "/status", procroot, pid);
	if (read_text(AT_FDCWD, path, buf, sizeof(buf)) <= 0)
		return 0;
	const char *line = strstr(buf, keys[which]);
	if (!line || sscanf(line + strlen(keys[which]), " %llx", &v) != 1)
		return 0;
	*caps = v;
	return 1;
}

int proc_read_caps(int64_t pid, enum proc_capset which, uint64_t *caps)
{
	return procfs_read_caps("/proc", pid, which, caps);
}
