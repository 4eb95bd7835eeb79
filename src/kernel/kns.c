/*
 * kns.c — per-mount-namespace copies of kestrel's path=/dir=/exe= kernel
 * rules (kns.h): finds container mount namespaces (a /proc scan at start,
 * pivot_root records live), adds each one's rules from a forked child that
 * joins the namespace, removes them when the namespace's pid is gone, and
 * falls back to host-wide argument-only rules when it cannot.
 */
#define _GNU_SOURCE
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libaudit.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kernel/kaudit.h"
#include "kernel/kns.h"
#include "kernel/krules_int.h"
#include "util/log.h"
#include "util/clock.h"

/* Exit statuses of the setns child. */
#define KNS_CHILD_OK 0
#define KNS_CHILD_SETNS 10
#define KNS_CHILD_ADD 11
/* Key of the namespace rules and of the fallback rules. */
#define KNS_KEY_FMT KRULES_KEY "\001mntns=%lu"
#define KNS_KEY_FALLBACK KRULES_KEY "\001fallback"
/* Namespaces seen with kestrel's root (not containers), remembered so the
 * scan stats each one once. */
#define KNS_MAX_SAMEROOT 256

struct kns_rules {
	struct audit_rule_data **r;
	size_t n;
};

struct kns_ent {
	unsigned long ino; /* the mount namespace's inode */
	pid_t pid;
	struct kns_rules rules;
};

struct kns {
	struct krules *kr;
	unsigned long self_ns;
	dev_t root_dev;
	ino_t root_ino;
	int pivot_nr[KRULES_MAX_ARCHES]; /* pivot_root per arch, -1 unknown */
	struct kns_ent *ent;
	size_t nent;
	unsigned long sameroot[KNS_MAX_SAMEROOT];
	size_t nsameroot;
	int active;                /* the set has ns_bound terms */
	struct kns_rules fallback; /* installed host-wide fallback rules */
	uint64_t last_check_ms;
	struct kns_stats st;
};

static void rules_free(struct kns_rules *r)
{
	for (size_t i = 0; i < r->n; i++)
		audit_rule_free_data(r->r[i]);
	free(r->r);
	r->r = NULL;
	r->n = 0;
}

/* Builds the ns_bound terms of kr: under root (mode KEEP) or without
 * their names (mode DROP), with key. Returns 0 or -1 (logged). */
static int rules_build(const struct krules *kr, const char *root, enum krules_ns_mode mode,
                       const char *key, struct kns_rules *out)
{
	char err[256];
	size_t want = krules_ns_count(kr);

	out->n = 0;
	out->r = want ? calloc(want, sizeof(*out->r)) : NULL;
	if (want && !out->r)
		return -1;
	for (size_t t = 0; t < kr->nterms; t++)
		for (int a = 0; a < kr->narch; a++) {
			const struct krules_term *tm = &kr->terms[t];
			if (!tm->ns_bound || krules_term_arch_count(kr, tm, a) == 0)
				continue;
			struct audit_rule_data *r = krules_build_term(kr, tm, a, root, mode, key,
			                                              strlen(key), err, sizeof(err));
			if (!r) {
				log_warnx("%s", err);
				rules_free(out);
				return -1;
			}
			out->r[out->n++] = r;
		}
	return 0;
}

static void rules_delete(const struct kns_rules *r, const struct kns_rules *keep)
{
	int fd = kaudit_open();

	if (fd < 0)
		return;
	for (size_t i = 0; i < r->n; i++) {
		int kept = 0;
		for (size_t k = 0; keep && !kept && k < keep->n; k++)
			kept = krules_rule_equal(r->r[i], keep->r[k]);
		int rc = kept ? 0 : audit_delete_rule_data(fd, r->r[i], AUDIT_FILTER_EXIT, AUDIT_ALWAYS);
		if (rc < 0 && rc != -ENOENT) /* ENOENT: the kernel dropped it already */
			log_warnx("kernel rules: cannot remove a namespace rule: %s", strerror(-rc));
	}
	kaudit_close(fd);
}

/* The child: joins the namespace (audit trees accept only mounts of the
 * caller's own namespace), takes the host's /proc as its root so that the
 * prebuilt names "/<pid>/root/..." reach the process's own root whatever
 * the namespace's root mount is (right after pivot_root it can still be
 * the runtime's old root) and stay distinct from other namespaces' rules,
 * adds the rules, exits. No allocation, no logging (the parent may have
 * other threads). */
static void __attribute__((noreturn))
child_add(int nsfd, int procfd, int fd, struct audit_rule_data *const *r, size_t n)
{
	if (setns(nsfd, CLONE_NEWNS) < 0)
		_exit(KNS_CHILD_SETNS);
	if (fchdir(procfd) < 0 || chroot(".") < 0 || chdir("/") < 0)
		_exit(KNS_CHILD_SETNS);
	for (size_t i = 0; i < n; i++) {
		int rc = audit_add_rule_data(fd, r[i], AUDIT_FILTER_EXIT, AUDIT_ALWAYS);
		if (rc < 0 && rc != -EEXIST)
			_exit(KNS_CHILD_ADD);
	}
	_exit(KNS_CHILD_OK);
}

/* Waits for the child at most KNS_CHILD_TIMEOUT_MS; its exit status or -1. */
static int child_wait(pid_t c)
{
	struct timespec pause = {0, 200000}; /* 0.2 ms */
	uint64_t end = (clock_monotonic_ns() / 1000) + (uint64_t)KNS_CHILD_TIMEOUT_MS * 1000;
	int status;

	for (;;) {
		pid_t w = waitpid(c, &status, WNOHANG);
		if (w == c)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		if (w < 0 && errno != EINTR)
			return -1;
		if ((clock_monotonic_ns() / 1000) > end) {
			kill(c, SIGKILL);
			waitpid(c, &status, 0);
			return -1;
		}
		nanosleep(&pause, NULL);
	}
}

/* Adds rules inside pid's mount namespace: a KNS_CHILD_* status, -ENOENT
 * when the process is gone, or -1. */
static int add_in_ns(pid_t pid, const struct kns_rules *rules)
{
	char p[64];
	int nsfd, rootfd, fd, rc;
	pid_t c;

	snprintf(p, sizeof(p), "/proc/%ld/ns/mnt", (long)pid);
	if ((nsfd = open(p, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT || errno == ESRCH ? -ENOENT : -1;
	if ((rootfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		close(nsfd);
		return -1;
	}
	if ((fd = kaudit_open()) < 0) {
		close(nsfd);
		close(rootfd);
		return -1;
	}
	fflush(NULL); /* nothing buffered is written twice */
	c = fork();
	if (c == 0)
		child_add(nsfd, rootfd, fd, rules->r, rules->n);
	close(nsfd);
	close(rootfd);
	rc = c < 0 ? -1 : child_wait(c);
	kaudit_close(fd);
	return rc;
}

/* The host-wide argument-only rules, added once (sound, wider). */
static void fallback_install(struct kns *n, const char *why)
{
	n->st.fallbacks++;
	if (n->fallback.n)
		return;
	if (rules_build(n->kr, NULL, KRULES_NS_DROP, KNS_KEY_FALLBACK, &n->fallback) < 0)
		return;
	int fd = kaudit_open(), rc = fd < 0 ? fd : 0;
	if (fd >= 0)
		rc = krules_add_rules(fd, n->fallback.r, n->fallback.n, NULL);
	kaudit_close(fd);
	log_warnx("kernel rules: %s: container file rules fall back to %zu host-wide rule(s) "
	          "without their path filters (more events)%s",
	          why, n->fallback.n, rc < 0 ? "; adding them failed" : "");
}

struct kns *kns_new(struct krules *kr)
{
	struct kns *n = calloc(1, sizeof(*n));
	struct stat st;

	if (!n)
		return NULL;
	n->kr = kr;
	n->active = krules_ns_count(kr) > 0;
	if (stat("/proc/self/ns/mnt", &st) == 0)
		n->self_ns = (unsigned long)st.st_ino;
	if (stat("/", &st) == 0) {
		n->root_dev = st.st_dev;
		n->root_ino = st.st_ino;
	}
	for (int a = 0; a < KRULES_MAX_ARCHES; a++)
		n->pivot_nr[a] = a < kr->narch ? audit_name_to_syscall("pivot_root",
		                                                        kr->arch[a].machine)
		                               : -1;
	return n;
}

void kns_free(struct kns *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nent; i++)
		rules_free(&n->ent[i].rules);
	free(n->ent);
	rules_free(&n->fallback);
	free(n);
}

static struct kns_ent *find_ent(struct kns *n, unsigned long ino)
{
	for (size_t i = 0; i < n->nent; i++)
		if (n->ent[i].ino == ino)
			return &n->ent[i];
	return NULL;
}

static int is_sameroot(const struct kns *n, unsigned long ino)
{
	for (size_t i = 0; i < n->nsameroot; i++)
		if (n->sameroot[i] == ino)
			return 1;
	return 0;
}

/*
 * The inode of pid's mount namespace, 0 if unreadable: the link's text
 * "mnt:[INODE]" names the same number stat() would return, at half the
 * cost (no nsfs inode is looked up), which matters once per process in
 * the start-up scan.
 */
static unsigned long mnt_ns_ino(pid_t pid)
{
	char p[64], link[64], *end;
	snprintf(p, sizeof(p), "/proc/%ld/ns/mnt", (long)pid);
	ssize_t len = readlink(p, link, sizeof(link) - 1);
	if (len < 6 || memcmp(link, "mnt:[", 5) != 0)
		return 0;
	link[len] = '\0';
	unsigned long ino = strtoul(link + 5, &end, 10);
	return *end == ']' && end[1] == '\0' ? ino : 0;
}

/* pid's mount namespace inode when it is another namespace with its own
 * root that is not tracked yet, else 0. */
static unsigned long new_container_ns(struct kns *n, pid_t pid)
{
	char p[64], buf[16];
	struct stat st;
	unsigned long ino = mnt_ns_ino(pid);

	if (ino == 0)
		return 0;
	if (ino == n->self_ns || find_ent(n, ino) || is_sameroot(n, ino))
		return 0;
	snprintf(p, sizeof(p), "/proc/%ld/exe", (long)pid);
	if (lstat(p, &st) < 0 || readlink(p, buf, sizeof(buf)) < 0)
		return 0; /* a kernel thread (kdevtmpfs has its own namespace) */
	snprintf(p, sizeof(p), "/proc/%ld/root", (long)pid);
	if (stat(p, &st) < 0)
		return 0;
	if (st.st_dev == n->root_dev && st.st_ino == n->root_ino) {
		if (n->nsameroot < KNS_MAX_SAMEROOT)
			n->sameroot[n->nsameroot++] = ino;
		return 0;
	}
	return ino;
}

/* Adds pid's namespace ino: its rules, or the fallback. 1 if added. */
static int add_ns(struct kns *n, pid_t pid, unsigned long ino)
{
	char root[64], key[64];
	struct kns_rules rules;
	uint64_t t0 = (clock_monotonic_ns() / 1000);

	if (n->nent >= KNS_MAX) {
		fallback_install(n, "more than KNS_MAX mount namespaces");
		return 0;
	}
	snprintf(root, sizeof(root), "/proc/%ld/root", (long)pid);
	snprintf(key, sizeof(key), KNS_KEY_FMT, ino);
	if (rules_build(n->kr, root, KRULES_NS_KEEP, key, &rules) < 0)
		return 0;
	int rc = add_in_ns(pid, &rules);
	if (rc != KNS_CHILD_OK) {
		rules_delete(&rules, NULL); /* whatever part went in */
		rules_free(&rules);
		if (rc == -ENOENT)
			return 0; /* gone already: nothing to watch */
		fallback_install(n, rc == KNS_CHILD_SETNS ? "cannot join a container's mount "
		                                            "namespace (CAP_SYS_ADMIN, CAP_SYS_CHROOT?)"
		                                          : "cannot add a container's rules");
		return 0;
	}
	struct kns_ent *e = realloc(n->ent, (n->nent + 1) * sizeof(*e));
	if (!e) {
		rules_delete(&rules, NULL);
		rules_free(&rules);
		return 0;
	}
	n->ent = e;
	n->ent[n->nent++] = (struct kns_ent){.ino = ino, .pid = pid, .rules = rules};
	n->st.added++;
	n->st.last_add_us = (clock_monotonic_ns() / 1000) - t0;
	log_info("kernel rules: %zu rule(s) for mount namespace %lu (pid %ld) in %lu us",
	         rules.n, ino, (long)pid, (unsigned long)n->st.last_add_us);
	return 1;
}

int kns_scan(struct kns *n)
{
	DIR *d;
	struct dirent *de;
	int added = 0;

	if (!n->active || !(d = opendir("/proc")))
		return 0;
	while ((de = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		unsigned long ino = new_container_ns(n, (pid_t)pid);
		if (ino)
			added += add_ns(n, (pid_t)pid, ino);
	}
	closedir(d);
	return added;
}

/* The value of " name=" in a record's text, as a number in base. */
static int field_num(const char *text, size_t len, const char *name, int base, long long *out)
{
	size_t nl = strlen(name);
	const char *end = text + len;

	for (const char *p = text; p + nl < end; p++) {
		if ((p != text && p[-1] != ' ') || memcmp(p, name, nl) != 0 || p[nl] != '=')
			continue;
		char buf[24];
		size_t k = 0;
		for (const char *q = p + nl + 1; q < end && *q != ' ' && k < sizeof(buf) - 1; q++)
			buf[k++] = *q;
		buf[k] = '\0';
		char *e;
		*out = strtoll(buf, &e, base);
		return *e == '\0' && k > 0 ? 0 : -1;
	}
	return -1;
}

void kns_on_record(struct kns *n, int type, const char *text, size_t len)
{
	long long nr, arch, pid, exitv;

	if (type != AUDIT_SYSCALL || !n->active || field_num(text, len, "syscall", 10, &nr) < 0)
		return;
	int is_pivot = 0;
	for (int a = 0; a < n->kr->narch; a++)
		is_pivot |= n->pivot_nr[a] >= 0 && nr == n->pivot_nr[a] &&
		            field_num(text, len, "arch", 16, &arch) == 0 &&
		            (unsigned)arch == n->kr->arch[a].elf;
	if (!is_pivot || field_num(text, len, "exit", 10, &exitv) < 0 || exitv != 0 ||
	    field_num(text, len, "pid", 10, &pid) < 0)
		return;
	unsigned long ino = new_container_ns(n, (pid_t)pid);
	if (ino)
		add_ns(n, (pid_t)pid, ino);
}

static int ent_alive(const struct kns_ent *e)
{
	char p[64];
	struct stat st;

	snprintf(p, sizeof(p), "/proc/%ld/ns/mnt", (long)e->pid);
	return stat(p, &st) == 0 && (unsigned long)st.st_ino == e->ino;
}

void kns_tick(struct kns *n, uint64_t now_ms)
{
	if (now_ms - n->last_check_ms < KNS_CHECK_MS)
		return;
	n->last_check_ms = now_ms;
	for (size_t i = 0; i < n->nent;) {
		struct kns_ent *e = &n->ent[i];
		if (ent_alive(e)) {
			i++;
			continue;
		}
		rules_delete(&e->rules, NULL);
		log_info("kernel rules: mount namespace %lu (pid %ld) is gone: %zu rule(s) removed",
		         e->ino, (long)e->pid, e->rules.n);
		rules_free(&e->rules);
		n->ent[i] = n->ent[--n->nent];
		n->st.removed++;
	}
}

static int rules_present(const struct kns_rules *r, const struct kaudit_rules *l)
{
	for (size_t i = 0; i < r->n; i++) {
		int there = 0;
		for (size_t k = 0; !there && k < l->n; k++)
			there = krules_rule_equal(r->r[i], l->r[k]);
		if (!there)
			return 0;
	}
	return 1;
}

void kns_restore(struct kns *n)
{
	struct kaudit_rules l = {0};
	int fd = kaudit_open();

	if (fd < 0)
		return;
	if (kaudit_list_rules(fd, &l) == 0) {
		int readded = 0;
		for (size_t i = 0; i < n->nent; i++)
			if (!rules_present(&n->ent[i].rules, &l) && ent_alive(&n->ent[i]) &&
			    add_in_ns(n->ent[i].pid, &n->ent[i].rules) == KNS_CHILD_OK)
				readded++;
		if (n->fallback.n)
			krules_add_rules(fd, n->fallback.r, n->fallback.n, &l);
		if (readded)
			log_notice("kernel rules: re-added the rules of %d mount namespace(s)",
			           readded);
	}
	kaudit_rules_free(&l);
	kaudit_close(fd);
}

void kns_reload(struct kns *n, struct krules *next)
{
	struct kns_rules fb = {0};

	n->kr = next;
	n->active = krules_ns_count(next) > 0;
	for (size_t i = 0; i < n->nent;) {
		struct kns_ent *e = &n->ent[i];
		char root[64], key[64];
		struct kns_rules rules = {0};
		snprintf(root, sizeof(root), "/proc/%ld/root", (long)e->pid);
		snprintf(key, sizeof(key), KNS_KEY_FMT, e->ino);
		/* the new rules first, then the old ones that are not kept */
		if (n->active && ent_alive(e) &&
		    rules_build(next, root, KRULES_NS_KEEP, key, &rules) == 0 &&
		    add_in_ns(e->pid, &rules) != KNS_CHILD_OK)
			rules_free(&rules); /* the old rules stay until the pid is gone */
		if (!n->active || rules.n) {
			rules_delete(&e->rules, &rules);
			rules_free(&e->rules);
			e->rules = rules;
		}
		if (e->rules.n == 0) {
			n->ent[i] = n->ent[--n->nent];
			continue;
		}
		i++;
	}
	if (n->fallback.n) {
		if (n->active && rules_build(next, NULL, KRULES_NS_DROP, KNS_KEY_FALLBACK, &fb) == 0) {
			int fd = kaudit_open();
			if (fd >= 0)
				krules_add_rules(fd, fb.r, fb.n, NULL);
			kaudit_close(fd);
		}
		rules_delete(&n->fallback, &fb);
		rules_free(&n->fallback);
		n->fallback = fb;
	}
	n->nsameroot = 0;
	if (n->active)
		kns_scan(n);
}

void kns_uninstall(struct kns *n)
{
	for (size_t i = 0; i < n->nent; i++) {
		rules_delete(&n->ent[i].rules, NULL);
		rules_free(&n->ent[i].rules);
	}
	n->nent = 0;
	rules_delete(&n->fallback, NULL);
	rules_free(&n->fallback);
}

void kns_get_stats(const struct kns *n, struct kns_stats *out)
{
	*out = n->st;
	out->tracked = n->nent;
}
