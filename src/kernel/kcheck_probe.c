/*
 * kcheck_probe.c — the half of kcheck (kcheck.h) that looks at the running
 * system: uname, the kernel config and command line under /proc and /boot,
 * the kernel audit status and multicast group (through kaudit.h) and the
 * namespaces kestrel runs in, gathered into struct kcheck_facts; and the
 * feature questions the daemon asks of those facts.
 */
#include "config.h"

#include <fcntl.h>
#include <libaudit.h>
#include <linux/audit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "kernel/kaudit.h"
#include "kernel/kcheck.h"
#include "util/file.h"

/* Inode numbers of the initial namespaces (PROC_USER_INIT_INO and
 * PROC_PID_INIT_INO in the kernel's include/linux/proc_ns.h); fixed since 3.8. */
#define KCHECK_USER_INIT_INO 4026531837UL
#define KCHECK_PID_INIT_INO 4026531836UL

/* ---- collecting facts from the running system --------------------------- */

/* Reads a small text file into buf (NUL-terminated, trailing newline cut).
 * Returns the length, or -1. */
static ssize_t read_text(const char *path, char *buf, size_t len)
{
	ssize_t n = file_read_into(AT_FDCWD, path, buf, len - 1, 0);

	if (n < 0)
		return -1;
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return n;
}

/* Namespace inode from "<proc>/<who>/ns/<kind>" ("user:[4026531837]"). */
static unsigned long ns_inode(const char *proc, const char *who, const char *kind)
{
	char path[KCHECK_PATH_MAX], link[KCHECK_UTS_MAX];
	ssize_t n;
	const char *b;

	snprintf(path, sizeof(path), "%s/%s/ns/%s", proc, who, kind);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return 0;
	link[n] = '\0';
	b = strchr(link, '[');
	return b ? strtoul(b + 1, NULL, 10) : 0;
}

static void collect_namespaces(const struct kcheck_paths *p, struct kcheck_facts *f)
{
	char path[KCHECK_PATH_MAX], env[KCHECK_LINE_MAX];
	unsigned long user = ns_inode(p->proc, "self", "user");
	unsigned long pid = ns_inode(p->proc, "self", "pid");
	unsigned long net = ns_inode(p->proc, "self", "net");
	/* In the host pid namespace, pid 2 is kthreadd, a kernel thread that
	 * lives in the initial network namespace (and, unlike pid 1, its ns
	 * links are readable even when pid 1 is not dumpable). */
	unsigned long host_net = ns_inode(p->proc, "2", "net");
	ssize_t n;

	if (!host_net)
		host_net = ns_inode(p->proc, "1", "net");
	f->userns_init = user ? user == KCHECK_USER_INIT_INO : -1;
	f->pidns_init = pid ? pid == KCHECK_PID_INIT_INO : -1;
	f->netns_init = (f->pidns_init == 1 && net && host_net) ? net == host_net : -1;

	f->container[0] = '\0';
	snprintf(path, sizeof(path), "%s/.dockerenv", p->root);
	if (access(path, F_OK) == 0) {
		snprintf(f->container, sizeof(f->container), "docker");
		return;
	}
	snprintf(path, sizeof(path), "%s/run/.containerenv", p->root);
	if (access(path, F_OK) == 0) {
		snprintf(f->container, sizeof(f->container), "podman");
		return;
	}
	/* systemd-nspawn, LXC and others set container= in pid 1's env. */
	snprintf(path, sizeof(path), "%s/1/environ", p->proc);
	n = read_text(path, env, sizeof(env));
	for (ssize_t i = 0; i < n;) {
		const char *var = env + i;

		if (strncmp(var, "container=", strlen("container=")) == 0) {
			snprintf(f->container, sizeof(f->container), "%s",
			         var + strlen("container="));
			return;
		}
		i += (ssize_t)strlen(var) + 1;
	}
}

/* Status through kaudit (AUDIT_GET), the audit daemon's name, and whether
 * the read-only multicast group can be joined as the live source would. */
static void collect_audit(const struct kcheck_paths *p, struct kcheck_facts *f)
{
	struct audit_status st;
	int rc = kaudit_status(&st);

	f->netlink_errno = -rc;
	f->status_ok = rc == 0;
	if (f->status_ok) {
		f->status.enabled = st.enabled;
		f->status.failure = st.failure;
		f->status.pid = st.pid;
		f->status.rate_limit = st.rate_limit;
		f->status.backlog_limit = st.backlog_limit;
		f->status.lost = st.lost;
		f->status.backlog = st.backlog;
		f->status.feature_bitmap = st.feature_bitmap;
		f->status.backlog_wait_time = st.backlog_wait_time;
	}
	if (f->status_ok && f->status.pid) {
		char path[KCHECK_PATH_MAX];

		snprintf(path, sizeof(path), "%s/%u/comm", p->proc, f->status.pid);
		if (read_text(path, f->pid_comm, sizeof(f->pid_comm)) < 0)
			f->pid_comm[0] = '\0';
	}
	f->multicast_errno = kaudit_probe_multicast();
}

void kcheck_collect(const struct kcheck_paths *paths, struct kcheck_facts *f)
{
	struct kcheck_paths def;
	struct utsname u;
	char path[KCHECK_PATH_MAX], cmdline[KCHECK_LINE_MAX];
	enum kcheck_conf c;

	if (!paths) {
		kcheck_paths_default(&def);
		paths = &def;
	}
	memset(f, 0, sizeof(*f));
	if (uname(&u) == 0) {
		snprintf(f->release, sizeof(f->release), "%s", u.release);
		snprintf(f->version, sizeof(f->version), "%s", u.version);
		snprintf(f->machine, sizeof(f->machine), "%s", u.machine);
	}
	f->kv_ok = kcheck_kernel_version(f->release, f->version, &f->kv) == 0;

	kcheck_config_lookup(paths, f->release, "CONFIG_AUDIT", &c, f->config_source,
	                     sizeof(f->config_source));
	f->config_audit = c;
	kcheck_config_lookup(paths, f->release, "CONFIG_AUDITSYSCALL", &c, NULL, 0);
	f->config_auditsyscall = c;
	snprintf(path, sizeof(path), "%s/self/loginuid", paths->proc);
	f->has_loginuid = access(path, F_OK) == 0;

	snprintf(path, sizeof(path), "%s/cmdline", paths->proc);
	f->cmdline_read = read_text(path, cmdline, sizeof(cmdline)) >= 0;
	kcheck_cmdline_parse(f->cmdline_read ? cmdline : "", &f->cmdline);

	f->euid = (int)geteuid();
	collect_audit(paths, f);
	f->execveat_nr = audit_name_to_syscall("execveat", audit_detect_machine());
	collect_namespaces(paths, f);
	kcheck_collect_listeners(paths->proc, f);
}

/* ---- feature questions -------------------------------------------------- */

int kcheck_has_multicast(const struct kcheck_facts *f)
{
	return f->multicast_errno == 0 && f->netns_init != 0;
}

int kcheck_has_execveat(const struct kcheck_facts *f)
{
	if (f->execveat_nr < 0)
		return 0;
	return !f->kv_ok || kcheck_version_at_least(&f->kv, 3, 19, 0);
}

int kcheck_has_feature(const struct kcheck_facts *f, uint32_t bit)
{
	return f->status_ok && (f->status.feature_bitmap & bit) == bit;
}

int kcheck_auditd_owns_pid(const struct kcheck_facts *f)
{
	return f->status_ok && f->status.pid && strcmp(f->pid_comm, "auditd") == 0;
}

