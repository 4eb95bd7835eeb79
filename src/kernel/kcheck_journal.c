/*
 * kcheck_journal.c — who else reads the kernel's audit records through the
 * multicast log group: NETLINK_AUDIT sockets with a group bit set in
 * /proc/net/netlink (parsed by a pure function), and the process holding
 * such a socket, found by its inode among /proc/<pid>/fd links (a bounded
 * scan). On systemd hosts this is usually systemd-journald's audit socket
 * (systemd-journald-audit.socket), which copies every audit record into
 * the journal; `kestrel --check` reports it (kcheck_report.c).
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel/kcheck.h"

/* NETLINK_AUDIT's protocol number (linux/netlink.h). */
#define KJ_NETLINK_AUDIT 9
/* Bounds of the /proc scan: processes looked at, fd links read in all. */
#define KJ_MAX_PIDS 65536
#define KJ_MAX_LINKS 262144
/* Columns of /proc/net/netlink kept per line. */
#define KJ_MAX_COLS 16

/* Splits a line into whitespace-separated columns (in place). */
static int split_cols(char *line, char **col, int max)
{
	int n = 0;
	char *save = NULL;

	for (char *t = strtok_r(line, " \t\n", &save); t && n < max;
	     t = strtok_r(NULL, " \t\n", &save))
		col[n++] = t;
	return n;
}

static int col_index(char **col, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(col[i], name) == 0)
			return i;
	return -1;
}

size_t kcheck_audit_listeners(const char *text, unsigned long *inodes, size_t max)
{
	char line[512], *col[KJ_MAX_COLS];
	int ieth = -1, igroups = -1, iinode = -1;
	size_t found = 0;

	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : sizeof(line) - 1),
		         p);
		p = nl ? nl + 1 : NULL;
		int n = split_cols(line, col, KJ_MAX_COLS);
		if (ieth < 0) { /* the header names the columns */
			ieth = col_index(col, n, "Eth");
			igroups = col_index(col, n, "Groups");
			iinode = col_index(col, n, "Inode");
			if (ieth < 0 || igroups < 0 || iinode < 0)
				return 0;
			continue;
		}
		if (n <= ieth || n <= igroups || n <= iinode)
			continue;
		if (strtol(col[ieth], NULL, 10) != KJ_NETLINK_AUDIT ||
		    strtoul(col[igroups], NULL, 16) == 0)
			continue;
		if (found < max)
			inodes[found] = strtoul(col[iinode], NULL, 10);
		found++;
	}
	return found;
}

/* 1 if <proc>/<pid>/fd holds a link to socket:[inode]; *budget counts
 * the links read. */
static int holds_socket(const char *proc, const char *pid, unsigned long inode, long *budget)
{
	char path[KCHECK_PATH_MAX], want[64], target[64];
	struct dirent *de;
	int found = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s/fd", proc, pid);
	if (!(d = opendir(path)))
		return 0;
	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	while (!found && *budget > 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/fd/%s", proc, pid, de->d_name);
		ssize_t l = readlink(path, target, sizeof(target) - 1);
		(*budget)--;
		if (l <= 0)
			continue;
		target[l] = '\0';
		found = strcmp(target, want) == 0;
	}
	closedir(d);
	return found;
}

static void read_comm(const char *proc, long pid, char *comm, size_t len)
{
	char path[KCHECK_PATH_MAX];
	int fd;
	ssize_t n = -1;

	snprintf(path, sizeof(path), "%s/%ld/comm", proc, pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, comm, len - 1);
		close(fd);
	}
	if (n < 0)
		n = 0;
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
}

long kcheck_socket_owner(const char *proc, unsigned long inode, long skip, char *comm,
                         size_t len)
{
	long budget = KJ_MAX_LINKS, best = 0;
	struct dirent *de;
	int pids = 0;
	DIR *d = opendir(proc);

	comm[0] = '\0';
	if (!d)
		return 0;
	while (budget > 0 && pids < KJ_MAX_PIDS && (de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		long pid = strtol(de->d_name, NULL, 10);
		pids++;
		if (pid == skip || !holds_socket(proc, de->d_name, inode, &budget))
			continue;
		best = pid;
		if (pid != 1)
			break; /* pid 1 only passes a socket-activated socket on */
	}
	closedir(d);
	if (best > 0)
		read_comm(proc, best, comm, len);
	return best;
}

void kcheck_collect_listeners(const char *proc, struct kcheck_facts *f)
{
	char path[KCHECK_PATH_MAX], *text;
	unsigned long inodes[8];
	size_t n, got = 0;
	FILE *fp;

	f->audit_listeners = -1;
	snprintf(path, sizeof(path), "%s/net/netlink", proc);
	if (!(fp = fopen(path, "re")))
		return;
	if (!(text = calloc(1, KCHECK_LINE_MAX * 16))) {
		fclose(fp);
		return;
	}
	got = fread(text, 1, KCHECK_LINE_MAX * 16 - 1, fp);
	fclose(fp);
	text[got] = '\0';
	n = kcheck_audit_listeners(text, inodes, 8);
	free(text);
	f->audit_listeners = (int)n;
	for (size_t i = 0; i < n && i < 8 && f->listener_pid == 0; i++)
		f->listener_pid = kcheck_socket_owner(proc, inodes[i], (long)getpid(),
		                                      f->listener_comm, sizeof(f->listener_comm));
}
