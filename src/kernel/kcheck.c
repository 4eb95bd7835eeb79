/*
 * kcheck.c — kernel and environment detection behind `kestrel --check`.
 * Collects facts (real kernel version from uname, kernel config, boot
 * command line, AUDIT_GET status over netlink, namespaces) and turns them
 * into OK/WARN/FAIL verdicts with advice. The daemon asks the same facts
 * (kcheck_has_*) to choose features instead of comparing uname strings.
 */
#include "config.h"

#include "kernel/kcheck.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libaudit.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef HAVE_ZLIB
#include <zlib.h>
#endif

/* Inode numbers of the initial namespaces (PROC_USER_INIT_INO and
 * PROC_PID_INIT_INO in the kernel's include/linux/proc_ns.h); fixed since 3.8. */
#define KCHECK_USER_INIT_INO 4026531837UL
#define KCHECK_PID_INIT_INO 4026531836UL
/* How long to wait for the kernel's AUDIT_GET answer. */
#define KCHECK_REPLY_TIMEOUT_MS 1000
/* Replies to skip while waiting for AUDIT_GET (acks, stray records). */
#define KCHECK_REPLY_TRIES 8
/* Longest config line or /proc file kcheck reads. */
#define KCHECK_LINE_MAX 4096
/* gzip's first two bytes. */
#define GZIP_MAGIC0 0x1f
#define GZIP_MAGIC1 0x8b

/* ---- version parsing ---------------------------------------------------- */

/* Reads "N.N" or "N.N.N" at s. Returns the count of components (2 or 3),
 * 0 when s does not start with one; *end points after it. */
static int parse_triplet(const char *s, unsigned int v[3], const char **end)
{
	int n = 0;

	v[0] = v[1] = v[2] = 0;
	while (n < 3 && isdigit((unsigned char)*s)) {
		char *e;
		unsigned long x = strtoul(s, &e, 10);

		v[n++] = (unsigned int)x;
		s = e;
		if (n < 3 && *s == '.' && isdigit((unsigned char)s[1]))
			s++;
		else
			break;
	}
	*end = s;
	return n >= 2 ? n : 0;
}

static void copy_text(char *dst, size_t len, const char *src, size_t n)
{
	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Finds a distro version token in `uname -v`: "Debian 4.19.208-1",
 * "PMX 6.5.13-1", "Debian 1:6.6.31-1+rpt1". Skips the "#N..." build tag
 * (Ubuntu's "#101~20.04.1-Ubuntu" is a build number, not a version). */
static int version_from_uname_v(const char *s, unsigned int v[3], const char **tok, size_t *toklen)
{
	while (*s) {
		const char *start, *p, *end;
		size_t len;

		while (isspace((unsigned char)*s))
			s++;
		start = s;
		while (*s && !isspace((unsigned char)*s))
			s++;
		len = (size_t)(s - start);
		if (len == 0 || *start == '#')
			continue;
		p = start;
		while (p < s && isdigit((unsigned char)*p))
			p++;
		if (p > start && p < s && *p == ':') /* epoch */
			p++;
		else
			p = start;
		if (parse_triplet(p, v, &end) == 3 && end <= s) {
			*tok = start;
			*toklen = len;
			return 0;
		}
	}
	return -1;
}

int kcheck_kernel_version(const char *uname_release, const char *uname_version,
                          struct kversion *out)
{
	unsigned int r[3] = {0, 0, 0}, v[3];
	const char *end = NULL, *tok;
	size_t toklen;
	int have_rel = 0;

	memset(out, 0, sizeof(*out));
	if (uname_release && parse_triplet(uname_release, r, &end)) {
		have_rel = 1;
		copy_text(out->extra, sizeof(out->extra), end, strlen(end));
	}
	if (uname_version && version_from_uname_v(uname_version, v, &tok, &toklen) == 0 &&
	    (!have_rel || (v[0] == r[0] && v[1] == r[1]))) {
		out->major = v[0];
		out->minor = v[1];
		out->patch = v[2];
		out->from_uname_v = 1;
		copy_text(out->distro, sizeof(out->distro), tok, toklen);
		return 0;
	}
	if (!have_rel) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	out->major = r[0];
	out->minor = r[1];
	out->patch = r[2];
	return 0;
}

int kcheck_version_at_least(const struct kversion *v, unsigned int major, unsigned int minor,
                            unsigned int patch)
{
	if (v->major != major)
		return v->major > major;
	if (v->minor != minor)
		return v->minor > minor;
	return v->patch >= patch;
}

/* ---- kernel config ------------------------------------------------------ */

const char *kcheck_conf_name(enum kcheck_conf c)
{
	switch (c) {
	case KCONF_ABSENT:
		return "absent";
	case KCONF_NOT_SET:
		return "not set";
	case KCONF_MODULE:
		return "m";
	case KCONF_BUILTIN:
		return "y";
	case KCONF_VALUE:
		return "value";
	case KCONF_UNKNOWN:
		break;
	}
	return "unknown";
}

/* Classifies one config line for option; returns -1 if it is not about it. */
static int config_line(const char *line, const char *option, size_t optlen, enum kcheck_conf *out)
{
	if (strncmp(line, option, optlen) == 0 && line[optlen] == '=') {
		const char *val = line + optlen + 1;

		if (val[0] == 'y' && (val[1] == '\0' || val[1] == '\n'))
			*out = KCONF_BUILTIN;
		else if (val[0] == 'm' && (val[1] == '\0' || val[1] == '\n'))
			*out = KCONF_MODULE;
		else
			*out = KCONF_VALUE;
		return 0;
	}
	if (strncmp(line, "# ", 2) == 0 && strncmp(line + 2, option, optlen) == 0 &&
	    strncmp(line + 2 + optlen, " is not set", strlen(" is not set")) == 0) {
		*out = KCONF_NOT_SET;
		return 0;
	}
	return -1;
}

#ifdef HAVE_ZLIB
/* zlib reads plain files unchanged, so one path serves both kinds. */
static int config_scan(const char *path, const char *option, enum kcheck_conf *out, char *err,
                       size_t errlen)
{
	char line[KCHECK_LINE_MAX];
	size_t optlen = strlen(option);
	gzFile gz = gzopen(path, "rb");

	if (!gz) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : EIO));
		return -1;
	}
	*out = KCONF_ABSENT;
	while (gzgets(gz, line, sizeof(line)))
		if (config_line(line, option, optlen, out) == 0)
			break;
	if (!gzeof(gz) && *out == KCONF_ABSENT) {
		int zerr;

		snprintf(err, errlen, "%s: %s", path, gzerror(gz, &zerr));
		gzclose(gz);
		return -1;
	}
	gzclose(gz);
	return 0;
}
#else
/* Without zlib a compressed config is read through `gzip -dc`. */
static FILE *open_gunzip(const char *path, pid_t *child)
{
	int fds[2];
	FILE *fp;

	if (pipe(fds) < 0)
		return NULL;
	*child = fork();
	if (*child < 0) {
		close(fds[0]);
		close(fds[1]);
		return NULL;
	}
	if (*child == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execlp("gzip", "gzip", "-dc", "--", path, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	fp = fdopen(fds[0], "r");
	if (!fp) {
		close(fds[0]);
		waitpid(*child, NULL, 0);
	}
	return fp;
}

static int config_scan(const char *path, const char *option, enum kcheck_conf *out, char *err,
                       size_t errlen)
{
	char line[KCHECK_LINE_MAX];
	size_t optlen = strlen(option);
	unsigned char magic[2] = {0, 0};
	pid_t child = -1;
	FILE *fp = fopen(path, "re");
	int status;

	if (!fp) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fread(magic, 1, sizeof(magic), fp) == sizeof(magic) && magic[0] == GZIP_MAGIC0 &&
	    magic[1] == GZIP_MAGIC1) {
		fclose(fp);
		fp = open_gunzip(path, &child);
		if (!fp) {
			snprintf(err, errlen, "%s: cannot run gzip: %s", path, strerror(errno));
			return -1;
		}
	} else {
		rewind(fp);
	}
	*out = KCONF_ABSENT;
	while (fgets(line, sizeof(line), fp))
		if (config_line(line, option, optlen, out) == 0)
			break;
	/* Read gzip's output to the end so it exits normally, not on SIGPIPE. */
	while (child > 0 && fgets(line, sizeof(line), fp))
		;
	fclose(fp);
	if (child > 0 && waitpid(child, &status, 0) == child && *out == KCONF_ABSENT &&
	    !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		snprintf(err, errlen, "%s: gzip -dc failed", path);
		return -1;
	}
	return 0;
}
#endif

int kcheck_config_read(const char *path, const char *option, enum kcheck_conf *out, char *err,
                       size_t errlen)
{
	*out = KCONF_UNKNOWN;
	if (access(path, R_OK) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	errno = 0;
	if (config_scan(path, option, out, err, errlen) < 0) {
		*out = KCONF_UNKNOWN;
		return -1;
	}
	return 0;
}

void kcheck_paths_default(struct kcheck_paths *p)
{
	p->proc = "/proc";
	p->boot = "/boot";
	p->modules = "/lib/modules";
	p->root = "/";
}

int kcheck_config_lookup(const struct kcheck_paths *p, const char *release, const char *option,
                         enum kcheck_conf *out, char *source, size_t sourcelen)
{
	char path[KCHECK_PATH_MAX], err[KCHECK_PATH_MAX];
	int i;

	for (i = 0; i < 3; i++) {
		if (i == 0)
			snprintf(path, sizeof(path), "%s/config.gz", p->proc);
		else if (i == 1)
			snprintf(path, sizeof(path), "%s/config-%s", p->boot, release);
		else
			snprintf(path, sizeof(path), "%s/%s/config", p->modules, release);
		if (kcheck_config_read(path, option, out, err, sizeof(err)) == 0) {
			if (source)
				snprintf(source, sourcelen, "%s", path);
			return 0;
		}
	}
	*out = KCONF_UNKNOWN;
	if (source && sourcelen)
		source[0] = '\0';
	return -1;
}

/* ---- kernel command line ------------------------------------------------ */

void kcheck_cmdline_parse(const char *s, struct kcheck_cmdline *out)
{
	static const char audit_key[] = "audit=";
	static const char backlog_key[] = "audit_backlog_limit=";

	out->audit = KCMD_AUDIT_UNSET;
	out->backlog_limit = -1;
	while (s && *s) {
		const char *start;
		size_t len;

		while (isspace((unsigned char)*s))
			s++;
		start = s;
		while (*s && !isspace((unsigned char)*s))
			s++;
		len = (size_t)(s - start);
		if (len == 2 && strncmp(start, "--", 2) == 0)
			break; /* the rest belongs to init, not the kernel */
		if (len > strlen(audit_key) && strncmp(start, audit_key, strlen(audit_key)) == 0) {
			const char *v = start + strlen(audit_key);
			size_t vlen = len - strlen(audit_key);

			if ((vlen == 1 && *v == '0') ||
			    (vlen == 3 && strncasecmp(v, "off", 3) == 0))
				out->audit = KCMD_AUDIT_OFF;
			else if ((vlen == 1 && *v == '1') ||
			         (vlen == 2 && strncasecmp(v, "on", 2) == 0))
				out->audit = KCMD_AUDIT_ON;
		} else if (len > strlen(backlog_key) &&
		           strncmp(start, backlog_key, strlen(backlog_key)) == 0) {
			out->backlog_limit = strtol(start + strlen(backlog_key), NULL, 10);
		}
	}
}

/* ---- collecting facts from the running system --------------------------- */

/* Reads a small text file into buf (NUL-terminated, trailing newline cut).
 * Returns the length, or -1. */
static ssize_t read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
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
	n = read_small(path, env, sizeof(env));
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

/* Waits for the AUDIT_GET reply on fd; returns 0 or an errno. */
static int read_status(int fd, struct kcheck_status *st)
{
	struct audit_reply rep; /* ~9 KiB, once per check */
	int i;

	for (i = 0; i < KCHECK_REPLY_TRIES; i++) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int rc = poll(&pfd, 1, KCHECK_REPLY_TIMEOUT_MS);

		if (rc == 0)
			return ETIMEDOUT;
		if (rc < 0)
			return errno;
		/* Zeroed first: an older kernel's shorter reply leaves the
		 * newer fields 0 instead of stale. */
		memset(&rep, 0, sizeof(rep));
		rc = audit_get_reply(fd, &rep, GET_REPLY_NONBLOCKING, 0);
		if (rc < 0)
			return -rc;
		if (rep.type == NLMSG_ERROR && rep.error->error)
			return -rep.error->error;
		if (rep.type == AUDIT_GET) {
			st->enabled = rep.status->enabled;
			st->failure = rep.status->failure;
			st->pid = rep.status->pid;
			st->rate_limit = rep.status->rate_limit;
			st->backlog_limit = rep.status->backlog_limit;
			st->lost = rep.status->lost;
			st->backlog = rep.status->backlog;
			st->feature_bitmap = rep.status->feature_bitmap;
			st->backlog_wait_time = rep.status->backlog_wait_time;
			return 0;
		}
	}
	return ETIMEDOUT;
}

static void collect_audit(const struct kcheck_paths *p, struct kcheck_facts *f)
{
	struct sockaddr_nl sa;
	int fd, rc;

	f->multicast_errno = -1;
	set_aumessage_mode(MSG_QUIET, DBG_NO);
	errno = 0;
	fd = audit_open();
	if (fd < 0) {
		f->netlink_errno = errno ? errno : EPROTONOSUPPORT;
		return;
	}
	rc = audit_request_status(fd);
	if (rc < 0)
		f->netlink_errno = rc == -1 && errno ? errno : -rc;
	else
		f->netlink_errno = read_status(fd, &f->status);
	f->status_ok = f->netlink_errno == 0;
	audit_close(fd);

	if (f->status_ok && f->status.pid) {
		char path[KCHECK_PATH_MAX];

		snprintf(path, sizeof(path), "%s/%u/comm", p->proc, f->status.pid);
		if (read_small(path, f->pid_comm, sizeof(f->pid_comm)) < 0)
			f->pid_comm[0] = '\0';
	}

	/* Try the read-only multicast group the way the live source will. */
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	if (fd < 0) {
		f->multicast_errno = errno;
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	sa.nl_groups = 1U << (AUDIT_NLGRP_READLOG - 1);
	f->multicast_errno = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? errno : 0;
	close(fd);
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
	f->cmdline_read = read_small(path, cmdline, sizeof(cmdline)) >= 0;
	kcheck_cmdline_parse(f->cmdline_read ? cmdline : "", &f->cmdline);

	f->euid = (int)geteuid();
	collect_audit(paths, f);
	f->execveat_nr = audit_name_to_syscall("execveat", audit_detect_machine());
	collect_namespaces(paths, f);
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

/* ---- verdicts ----------------------------------------------------------- */

const char *kcheck_verdict_name(enum kcheck_verdict v)
{
	switch (v) {
	case KCHECK_OK:
		return "OK";
	case KCHECK_WARN:
		return "WARN";
	case KCHECK_FAIL:
		break;
	}
	return "FAIL";
}

struct report {
	struct kcheck_item *items;
	size_t n, max;
};

/* Appends an item; detail is printf-style, advice a plain string or NULL. */
__attribute__((format(printf, 5, 6))) static void add(struct report *r, const char *name,
                                                      enum kcheck_verdict v, const char *advice,
                                                      const char *fmt, ...)
{
	struct kcheck_item *it;
	va_list ap;

	if (r->n >= r->max)
		return;
	it = &r->items[r->n++];
	it->name = name;
	it->verdict = v;
	va_start(ap, fmt);
	vsnprintf(it->detail, sizeof(it->detail), fmt, ap);
	va_end(ap);
	snprintf(it->advice, sizeof(it->advice), "%s", advice ? advice : "");
}

static const char ADVICE_REBUILD[] =
    "kestrel needs CONFIG_AUDIT=y and CONFIG_AUDITSYSCALL=y: boot a distribution kernel "
    "(Debian's and Ubuntu's have both) or rebuild the kernel with them";

static void eval_kernel(const struct kcheck_facts *f, struct report *r)
{
	const struct kversion *v = &f->kv;

	if (!f->kv_ok)
		add(r, "kernel", KCHECK_WARN,
		    "kestrel probes features from the kernel instead; please report these strings",
		    "no version in uname -r '%s' or uname -v '%s'", f->release, f->version);
	else if (v->from_uname_v)
		add(r, "kernel", KCHECK_OK, NULL,
		    "Linux %u.%u.%u (distribution package %s; uname -r %s is the ABI name)",
		    v->major, v->minor, v->patch, v->distro, f->release);
	else
		add(r, "kernel", KCHECK_OK, NULL, "Linux %u.%u.%u (release %s, %s)", v->major,
		    v->minor, v->patch, f->release, f->machine[0] ? f->machine : "unknown arch");
}

static void eval_config(const struct kcheck_facts *f, struct report *r)
{
	int no_kernel_audit = f->netlink_errno == EPROTONOSUPPORT ||
	                      f->netlink_errno == EAFNOSUPPORT || f->netlink_errno == EINVAL;

	switch (f->config_audit) {
	case KCONF_BUILTIN:
	case KCONF_MODULE:
	case KCONF_VALUE:
		add(r, "CONFIG_AUDIT", KCHECK_OK, NULL, "CONFIG_AUDIT=%s (%s)",
		    kcheck_conf_name(f->config_audit), f->config_source);
		break;
	case KCONF_NOT_SET:
	case KCONF_ABSENT:
		add(r, "CONFIG_AUDIT", KCHECK_FAIL, ADVICE_REBUILD,
		    "the kernel is built without audit support (CONFIG_AUDIT %s in %s)",
		    kcheck_conf_name(f->config_audit), f->config_source);
		break;
	case KCONF_UNKNOWN:
		if (no_kernel_audit)
			add(r, "CONFIG_AUDIT", KCHECK_FAIL, ADVICE_REBUILD,
			    "no kernel config found, and the audit netlink socket does not exist: "
			    "the kernel has no audit support");
		else if (f->netlink_errno == 0)
			add(r, "CONFIG_AUDIT", KCHECK_OK, NULL,
			    "no kernel config found (/proc/config.gz, /boot/config-%s), but the "
			    "kernel answers audit requests",
			    f->release);
		else
			add(r, "CONFIG_AUDIT", KCHECK_WARN,
			    "install the kernel's config (/boot/config-<release>) or load the "
			    "configs module to let kestrel check",
			    "unknown: no kernel config found (/proc/config.gz, /boot/config-%s)",
			    f->release);
		break;
	}

	switch (f->config_auditsyscall) {
	case KCONF_BUILTIN:
	case KCONF_MODULE:
	case KCONF_VALUE:
		add(r, "CONFIG_AUDITSYSCALL", KCHECK_OK, NULL, "CONFIG_AUDITSYSCALL=%s (%s)",
		    kcheck_conf_name(f->config_auditsyscall), f->config_source);
		break;
	case KCONF_NOT_SET:
	case KCONF_ABSENT:
		add(r, "CONFIG_AUDITSYSCALL", KCHECK_FAIL, ADVICE_REBUILD,
		    "the kernel cannot audit system calls (CONFIG_AUDITSYSCALL %s in %s): no "
		    "exec, file or network events",
		    kcheck_conf_name(f->config_auditsyscall), f->config_source);
		break;
	case KCONF_UNKNOWN:
		if (f->has_loginuid)
			add(r, "CONFIG_AUDITSYSCALL", KCHECK_OK, NULL,
			    "no kernel config found, but /proc/self/loginuid exists, so syscall "
			    "auditing is built in");
		else
			add(r, "CONFIG_AUDITSYSCALL", KCHECK_WARN, ADVICE_REBUILD,
			    "unknown: no kernel config found and no /proc/self/loginuid");
		break;
	}
}

static void eval_cmdline(const struct kcheck_facts *f, struct report *r)
{
	char backlog[KCHECK_UTS_MAX] = "";

	if (!f->cmdline_read) {
		add(r, "boot command line", KCHECK_WARN, NULL,
		    "cannot read /proc/cmdline: audit=0 not checked");
		return;
	}
	if (f->cmdline.backlog_limit >= 0)
		snprintf(backlog, sizeof(backlog), "; audit_backlog_limit=%ld",
		         f->cmdline.backlog_limit);
	switch (f->cmdline.audit) {
	case KCMD_AUDIT_OFF:
		add(r, "boot command line", KCHECK_FAIL,
		    "remove audit=0 from the kernel command line (Debian: GRUB_CMDLINE_LINUX in "
		    "/etc/default/grub, then update-grub) and reboot",
		    "audit=0: the kernel disabled auditing until the next boot%s", backlog);
		break;
	case KCMD_AUDIT_ON:
		add(r, "boot command line", KCHECK_OK, NULL,
		    "audit=1: processes started before kestrel are audited too%s", backlog);
		break;
	case KCMD_AUDIT_UNSET:
		add(r, "boot command line", KCHECK_OK,
		    "optional: add audit=1 to the kernel command line so that processes started "
		    "before kestrel are audited",
		    "no audit= switch: processes that started before audit was enabled are not "
		    "audited until they exec%s",
		    backlog);
		break;
	}
}

static void eval_netlink(const struct kcheck_facts *f, struct report *r)
{
	int e = f->netlink_errno;

	if (e == 0) {
		add(r, "audit netlink", KCHECK_OK, NULL, "the kernel answered AUDIT_GET");
	} else if (e == ECONNREFUSED && f->userns_init == 0) {
		add(r, "audit netlink", KCHECK_FAIL,
		    "run kestrel on the host, or in a container sharing the host user and pid "
		    "namespaces (docker: --userns=host --pid=host --cap-add AUDIT_CONTROL "
		    "--cap-add AUDIT_READ)",
		    "refused (ECONNREFUSED): kestrel runs in a user namespace other than the "
		    "host's, "
		    "where the kernel refuses audit");
	} else if (e == EPROTONOSUPPORT || e == EAFNOSUPPORT || e == EINVAL) {
		add(r, "audit netlink", KCHECK_FAIL, ADVICE_REBUILD,
		    "no audit netlink socket (%s): the kernel has no audit support", strerror(e));
	} else if (e == EPERM && f->euid != 0) {
		add(r, "audit netlink", KCHECK_FAIL,
		    "run kestrel as root (it needs CAP_AUDIT_CONTROL and CAP_AUDIT_READ)",
		    "permission denied: not running as root");
	} else if (e == EPERM && f->pidns_init == 0) {
		add(r, "audit netlink", KCHECK_FAIL,
		    "run kestrel in the host pid namespace (docker: --pid=host)",
		    "permission denied: the kernel refuses audit control outside the host pid "
		    "namespace");
	} else if (e == EPERM) {
		add(r, "audit netlink", KCHECK_FAIL,
		    "grant CAP_AUDIT_CONTROL and CAP_AUDIT_READ (check the service's "
		    "CapabilityBoundingSet or the container's --cap-add)",
		    "permission denied: CAP_AUDIT_CONTROL is missing");
	} else {
		add(r, "audit netlink", KCHECK_FAIL, NULL, "AUDIT_GET failed: %s", strerror(e));
	}
}

static void eval_features(const struct kcheck_facts *f, struct report *r)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
	    {AUDIT_FEATURE_BITMAP_BACKLOG_LIMIT, "backlog_limit"},
	    {AUDIT_FEATURE_BITMAP_BACKLOG_WAIT_TIME, "backlog_wait_time"},
	    {AUDIT_FEATURE_BITMAP_EXECUTABLE_PATH, "exe_filter"},
	    {AUDIT_FEATURE_BITMAP_EXCLUDE_EXTEND, "exclude_extend"},
	    {AUDIT_FEATURE_BITMAP_SESSIONID_FILTER, "sessionid_filter"},
	    {AUDIT_FEATURE_BITMAP_LOST_RESET, "lost_reset"},
	    {AUDIT_FEATURE_BITMAP_FILTER_FS, "filesystem_filter"},
	};
	char have[KCHECK_TEXT_MAX / 2] = "", miss[KCHECK_TEXT_MAX / 2] = "";
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *dst = kcheck_has_feature(f, names[i].bit) ? have : miss;
		size_t len = strlen(dst);

		snprintf(dst + len, sizeof(have) - len, "%s%s", len ? " " : "", names[i].name);
	}
	if (kcheck_has_feature(f, AUDIT_FEATURE_BITMAP_BACKLOG_WAIT_TIME))
		add(r, "audit features", KCHECK_OK, NULL, "bitmap 0x%x: %s%s%s",
		    f->status.feature_bitmap, have[0] ? have : "none", miss[0] ? "; missing: " : "",
		    miss);
	else
		add(r, "audit features", KCHECK_WARN,
		    "a newer kernel lets kestrel bound how long the kernel waits when the queue is "
		    "full",
		    "bitmap 0x%x: %s; missing: %s (no backlog_wait_time)", f->status.feature_bitmap,
		    have[0] ? have : "none", miss);
}

static void eval_status(const struct kcheck_facts *f, struct report *r)
{
	const struct kcheck_status *s = &f->status;

	if (s->enabled == 1)
		add(r, "audit enabled", KCHECK_OK, NULL, "enabled=1");
	else if (s->enabled == 0 && s->pid == 0)
		add(r, "audit enabled", KCHECK_OK, NULL,
		    "enabled=0: kestrel turns auditing on when it registers as the audit daemon "
		    "and off again when it exits");
	else if (s->enabled == 0)
		add(r, "audit enabled", KCHECK_WARN,
		    "enable it with `auditctl -e 1` (auditd does this when it starts)",
		    "enabled=0 while pid %u owns the audit log: the kernel sends no records",
		    s->pid);
	else
		add(r, "audit enabled", KCHECK_WARN,
		    "kestrel cannot add or remove its kernel rules until reboot: install its rules "
		    "in /etc/audit/rules.d/ (see kestrel --print-audit-rules) before the -e 2 "
		    "line, "
		    "or remove -e 2, and reboot",
		    "enabled=%u: audit rules are locked (immutable)", s->enabled);

	if (s->pid == 0)
		add(r, "audit daemon", KCHECK_OK, NULL,
		    "none registered: kestrel can register itself as the audit daemon");
	else if (strcmp(f->pid_comm, "auditd") == 0)
		add(r, "audit daemon", KCHECK_OK, NULL,
		    "auditd (pid %u) is registered: kestrel reads a copy of the records "
		    "(multicast) and leaves auditd's log alone",
		    s->pid);
	else if (f->pid_comm[0])
		add(r, "audit daemon", KCHECK_WARN,
		    "kestrel reads a copy of the records through multicast; stop that program if "
		    "it is not meant to be the audit daemon",
		    "pid %u (%s) is registered as the audit daemon", s->pid, f->pid_comm);
	else
		add(r, "audit daemon", KCHECK_WARN,
		    "if no audit daemon runs, the registration is stale; it clears when that "
		    "process's socket closes",
		    "pid %u is registered as the audit daemon but is not visible here", s->pid);

	if (s->backlog_limit < KCHECK_MIN_BACKLOG)
		add(r, "backlog", KCHECK_WARN,
		    "raise it: `auditctl -b 8192`, audit_backlog_limit=8192 on the kernel command "
		    "line, or -b 8192 in /etc/audit/rules.d/ when auditd is used",
		    "limit %u records (%u queued, wait time %u): a burst of events will be lost",
		    s->backlog_limit, s->backlog, s->backlog_wait_time);
	else
		add(r, "backlog", KCHECK_OK, NULL, "limit %u records (%u queued, wait time %u)",
		    s->backlog_limit, s->backlog, s->backlog_wait_time);

	if (s->lost)
		add(r, "lost records", KCHECK_WARN,
		    "raise the backlog limit; kestrel reports new losses while it runs",
		    "the kernel has dropped %u records since boot", s->lost);
	else
		add(r, "lost records", KCHECK_OK, NULL, "none since boot");
	if (s->rate_limit)
		add(r, "rate limit", KCHECK_WARN, "remove it with `auditctl -r 0`",
		    "%u records per second: records above the limit are dropped", s->rate_limit);
	if (s->failure == AUDIT_FAIL_PANIC)
		add(r, "failure mode", KCHECK_WARN,
		    "use `auditctl -f 1` (printk) unless panicking is intended",
		    "failure=2: the kernel panics when it loses records");
	eval_features(f, r);
}

static void eval_multicast(const struct kcheck_facts *f, struct report *r)
{
	int e = f->multicast_errno;

	if (e < 0)
		return;
	if (e == 0 && f->netns_init == 0)
		add(r, "multicast", KCHECK_WARN,
		    "run kestrel in the host network namespace (no PrivateNetwork=, docker "
		    "--network=host)",
		    "joined, but the kernel delivers multicast records only in the host network "
		    "namespace");
	else if (e == 0)
		add(r, "multicast", KCHECK_OK, NULL,
		    "joined the read-only log group: kestrel can run beside auditd");
	else if (e == EPERM)
		add(r, "multicast", KCHECK_WARN,
		    "grant CAP_AUDIT_READ, or run kestrel as auditd's plugin (--audisp)",
		    "joining the read-only log group was refused (CAP_AUDIT_READ missing)");
	else if (f->kv_ok && !kcheck_version_at_least(&f->kv, 3, 16, 0))
		add(r, "multicast", KCHECK_WARN,
		    "beside auditd, run kestrel as auditd's plugin (--audisp)",
		    "Linux %u.%u has no read-only log group (needs 3.16)", f->kv.major,
		    f->kv.minor);
	else
		add(r, "multicast", KCHECK_WARN,
		    "beside auditd, run kestrel as auditd's plugin (--audisp)",
		    "cannot join the read-only log group: %s", strerror(e));
}

static void eval_execveat(const struct kcheck_facts *f, struct report *r)
{
	if (kcheck_has_execveat(f))
		add(r, "execveat", KCHECK_OK, NULL,
		    "present (syscall %d): exec rules cover execve and execveat", f->execveat_nr);
	else if (f->kv_ok && !kcheck_version_at_least(&f->kv, 3, 19, 0))
		add(r, "execveat", KCHECK_OK, NULL,
		    "Linux %u.%u has no execveat (added in 3.19): execve covers every exec",
		    f->kv.major, f->kv.minor);
	else
		add(r, "execveat", KCHECK_WARN, "upgrade libaudit (Debian package libaudit1)",
		    "libaudit does not know execveat on %s: fexecve() would not be audited",
		    f->machine[0] ? f->machine : "this machine");
}

static void eval_namespaces(const struct kcheck_facts *f, struct report *r)
{
	char where[sizeof(f->container) + sizeof("a  container")];

	snprintf(where, sizeof(where), "a %s%scontainer", f->container, f->container[0] ? " " : "");

	if (f->userns_init == 0)
		add(r, "namespaces", KCHECK_FAIL,
		    "run on the host or share its user namespace (docker: --userns=host)",
		    "in %s with its own user namespace: the kernel refuses audit netlink", where);
	else if (f->pidns_init == 0)
		add(r, "namespaces", KCHECK_FAIL,
		    "share the host pid namespace (docker: --pid=host)",
		    "in %s with its own pid namespace: the kernel refuses audit control", where);
	else if (f->container[0])
		add(r, "namespaces", KCHECK_OK, NULL,
		    "%s container marker found, but the user and pid namespaces are the host's",
		    f->container);
	else if (f->userns_init < 0 || f->pidns_init < 0)
		add(r, "namespaces", KCHECK_WARN, NULL, "cannot read /proc/self/ns");
	else
		add(r, "namespaces", KCHECK_OK, NULL, "host user and pid namespaces");
}

size_t kcheck_evaluate(const struct kcheck_facts *f, struct kcheck_item *items, size_t max)
{
	struct report r = {.items = items, .n = 0, .max = max};

	eval_kernel(f, &r);
	eval_config(f, &r);
	eval_cmdline(f, &r);
	eval_namespaces(f, &r);
	eval_netlink(f, &r);
	if (f->status_ok)
		eval_status(f, &r);
	eval_multicast(f, &r);
	eval_execveat(f, &r);
	return r.n;
}

int kcheck_print(FILE *out, const struct kcheck_facts *f, const struct kcheck_item *items, size_t n)
{
	size_t i, warn = 0, fail = 0;

	fprintf(out, "kestrel %s environment check (%s %s)\n", PACKAGE_VERSION, f->release,
	        f->version);
	for (i = 0; i < n; i++) {
		const struct kcheck_item *it = &items[i];

		fprintf(out, "  [%-4s] %s: %s\n", kcheck_verdict_name(it->verdict), it->name,
		        it->detail);
		if (it->advice[0] && it->verdict != KCHECK_OK)
			fprintf(out, "         what to do: %s\n", it->advice);
		else if (it->advice[0])
			fprintf(out, "         hint: %s\n", it->advice);
		warn += it->verdict == KCHECK_WARN;
		fail += it->verdict == KCHECK_FAIL;
	}
	if (fail)
		fprintf(out, "result: kestrel cannot run here (%zu failed, %zu warning%s)\n", fail,
		        warn, warn == 1 ? "" : "s");
	else
		fprintf(out, "result: kestrel can run here (%zu warning%s)\n", warn,
		        warn == 1 ? "" : "s");
	return fail ? 1 : 0;
}

int kcheck_report(FILE *out)
{
	struct kcheck_facts f;
	struct kcheck_item items[KCHECK_MAX_ITEMS];
	size_t n;

	kcheck_collect(NULL, &f);
	n = kcheck_evaluate(&f, items, KCHECK_MAX_ITEMS);
	return kcheck_print(out, &f, items, n);
}
