/*
 * crashstate.c — the audit settings kestrel found, kept on disk while it
 * runs so that a restart after kill -9 can restore them (see crashstate.h).
 * Format: one line "pid=N enabled=E backlog_limit=B backlog_wait_time=W
 * rate_limit=R".
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/kaudit.h"
#include "kernel/crashstate.h"
#include "util/log.h"

struct saved {
	long pid, enabled, backlog_limit, backlog_wait_time, rate_limit;
};

static int read_saved(const char *path, struct saved *s)
{
	FILE *f = fopen(path, "re");
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "pid=%ld enabled=%ld backlog_limit=%ld backlog_wait_time=%ld rate_limit=%ld",
		   &s->pid, &s->enabled, &s->backlog_limit, &s->backlog_wait_time, &s->rate_limit);
	fclose(f);
	return n == 5 ? 0 : -1;
}

static int process_alive(long pid)
{
	return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

static void restore(const struct saved *s)
{
	struct audit_status st;
	int fd = kaudit_open();

	if (fd < 0) {
		log_warnx("crash recovery: cannot open the audit control socket: %s", strerror(-fd));
		return;
	}
	if (kaudit_status(&st) == 0 && st.enabled == KAUDIT_ENABLED_LOCKED) {
		log_warnx("crash recovery: the audit configuration is locked; nothing restored");
		kaudit_close(fd);
		return;
	}
	log_warnx("kestrel pid %ld did not exit cleanly: restoring the audit settings it found "
		  "(enabled=%ld backlog_limit=%ld backlog_wait_time=%ld rate_limit=%ld)",
		  s->pid, s->enabled, s->backlog_limit, s->backlog_wait_time, s->rate_limit);
	if (kaudit_set_backlog_limit(fd, (uint32_t)s->backlog_limit) < 0 ||
	    kaudit_set_backlog_wait_time(fd, (uint32_t)s->backlog_wait_time) < 0 ||
	    kaudit_set_rate_limit(fd, (uint32_t)s->rate_limit) < 0 ||
	    kaudit_set_enabled(fd, (uint32_t)s->enabled) < 0)
		log_warnx("crash recovery: some audit settings could not be restored");
	kaudit_close(fd);
}

int crashstate_begin(const char *path)
{
	struct saved s;
	struct audit_status st;
	char dir[256], tmp[300];
	FILE *f;

	if (read_saved(path, &s) == 0) {
		if (process_alive(s.pid) && s.pid != getpid()) {
			log_warnx("%s names a running kestrel (pid %ld): not touching it", path, s.pid);
			return -1;
		}
		restore(&s);
	}
	if (kaudit_status(&st) != 0) {
		log_warnx("crash state: cannot read the audit status");
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			log_warn("crash state: %s", dir);
			return -1;
		}
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f) {
		log_warn("crash state: %s", tmp);
		return -1;
	}
	fprintf(f, "pid=%ld enabled=%u backlog_limit=%u backlog_wait_time=%u rate_limit=%u\n",
		(long)getpid(), st.enabled, st.backlog_limit, st.backlog_wait_time, st.rate_limit);
	/* No fsync: what the file protects is kernel state, which a power
	 * loss resets anyway; after a kill -9 the page cache holds the file
	 * (and the rename keeps it whole). A sync here cost ~2 ms of every
	 * start (on disks, far more). */
	if (fflush(f) != 0 || ferror(f)) {
		log_warn("crash state: %s", tmp);
		fclose(f);
		unlink(tmp);
		return -1;
	}
	fclose(f);
	if (rename(tmp, path) < 0) {
		log_warn("crash state: %s", path);
		unlink(tmp);
		return -1;
	}
	return 0;
}

void crashstate_end(const char *path)
{
	if (unlink(path) < 0 && errno != ENOENT)
		log_warn("crash state: %s", path);
}
