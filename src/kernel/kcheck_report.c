/*
 * kcheck_report.c — the half of kcheck (kcheck.h) that judges: turns the
 * facts kcheck_probe.c collected into OK/WARN/FAIL verdicts with advice,
 * and prints the `kestrel --check` report. kcheck_evaluate is pure (no
 * I/O), so tests feed it facts of machines they are not running on.
 */
#include "config.h"

#include <errno.h>
#include <linux/audit.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kernel/kcheck.h"

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

/* Another reader of the multicast group: each record is copied to it too.
 * On systemd hosts that is journald's audit socket, which formats every
 * audit record into the journal (CPU in journald, journal disk and
 * rotation); kestrel does not need it. */
static void eval_listeners(const struct kcheck_facts *f, struct report *r)
{
	char who[KCHECK_UTS_MAX + 32] = "";

	if (f->audit_listeners <= 0)
		return;
	if (f->listener_pid > 0)
		snprintf(who, sizeof(who), "%s (pid %ld)",
		         f->listener_comm[0] ? f->listener_comm : "?", f->listener_pid);
	if (strstr(f->listener_comm, "journal"))
		add(r, "journald audit socket", KCHECK_WARN,
		    "systemctl mask --now systemd-journald-audit.socket",
		    "%s copies every audit record into the journal: each record kestrel's rules "
		    "cause is also formatted and written there (journald CPU, journal disk, "
		    "rotation of other logs)",
		    who);
	else
		add(r, "audit log readers", KCHECK_WARN, "stop that reader if nothing needs it",
		    "%d other socket(s) in the multicast group get every audit record too%s%s",
		    f->audit_listeners, who[0] ? ", e.g. " : "", who);
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
	eval_listeners(f, &r);
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
