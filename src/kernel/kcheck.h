/*
 * kcheck.h — kernel and environment detection: the real kernel version
 * (from `uname -v` where `uname -r` is only an ABI name), kernel build
 * options, the boot command line, the kernel audit status and what the
 * process is allowed to do with audit netlink. `kestrel --check` prints it;
 * feature decisions elsewhere call kcheck_* instead of comparing uname
 * strings. Nothing here allocates on the heap: every struct is caller-owned.
 */
#ifndef KESTREL_KERNEL_KCHECK_H
#define KESTREL_KERNEL_KCHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Longest text kept from a uname field (struct utsname uses 65 bytes). */
#define KCHECK_UTS_MAX 65
/* Longest release suffix / distro package version kept in a kversion. */
#define KCHECK_VERSION_TEXT_MAX 64
/* Longest path kcheck builds (config file, /proc entries). */
#define KCHECK_PATH_MAX 512
/* Longest verdict detail or advice line. */
#define KCHECK_TEXT_MAX 320
/* Longest config line or /proc file kcheck reads. */
#define KCHECK_LINE_MAX 4096
/* Most items one report can hold. */
#define KCHECK_MAX_ITEMS 24
/* Backlog below this loses records under a burst of execs (auditd's Debian
 * default is 8192; the kernel's own default is 64). */
#define KCHECK_MIN_BACKLOG 8192

/* A kernel version: the upstream major.minor.patch plus where it came from. */
struct kversion {
	unsigned int major, minor, patch;
	/* The release text after major.minor.patch: "-18-amd64",
	 * "-91-generic", "-513.el8.x86_64", "+" (may be ""). */
	char extra[KCHECK_VERSION_TEXT_MAX];
	/* Distribution package version found in `uname -v` ("4.19.208-1",
	 * "1:6.6.31-1+rpt1"), or "" when there is none. */
	char distro[KCHECK_VERSION_TEXT_MAX];
	/* 1 when major.minor.patch came from `uname -v` (Debian and others
	 * whose `uname -r` is an ABI name), 0 when from `uname -r`. */
	int from_uname_v;
};

/*
 * Parses the upstream kernel version from `uname -r` (release) and `uname -v`
 * (version; may be NULL). A version in `uname -v` ("Debian 4.19.208-1") wins
 * when its major.minor agrees with the release. Returns 0, or -1 when neither
 * string holds a version (out is then zeroed).
 */
int kcheck_kernel_version(const char *uname_release, const char *uname_version,
                          struct kversion *out);
/* 1 when v >= major.minor.patch. */
int kcheck_version_at_least(const struct kversion *v, unsigned int major, unsigned int minor,
                            unsigned int patch);

/* State of one kernel build option in a kernel config file. */
enum kcheck_conf {
	KCONF_UNKNOWN = 0, /* no config file could be read */
	KCONF_ABSENT,      /* file read, option not mentioned */
	KCONF_NOT_SET,     /* "# CONFIG_X is not set" */
	KCONF_MODULE,      /* CONFIG_X=m */
	KCONF_BUILTIN,     /* CONFIG_X=y */
	KCONF_VALUE,       /* CONFIG_X=<string or number> */
};
const char *kcheck_conf_name(enum kcheck_conf c);

/*
 * Looks up option (e.g. "CONFIG_AUDIT") in one kernel config file, plain or
 * gzip-compressed (detected by content, so /proc/config.gz and
 * /boot/config-* both work). Returns 0 and sets *out, or -1 with a message
 * naming the file in err when the file cannot be read.
 */
int kcheck_config_read(const char *path, const char *option, enum kcheck_conf *out, char *err,
                       size_t errlen);

/*
 * Where kcheck looks. Defaults (kcheck_paths_default): /proc, /boot,
 * /lib/modules, and "/" for container marker files. Tests point these at
 * fixture trees.
 */
struct kcheck_paths {
	const char *proc;    /* procfs root: cmdline, config.gz, self/, <pid>/comm */
	const char *boot;    /* holds config-<release> */
	const char *modules; /* holds <release>/config */
	const char *root;    /* holds .dockerenv, run/.containerenv */
};
void kcheck_paths_default(struct kcheck_paths *p);

/*
 * Finds option in the first readable kernel config: <proc>/config.gz,
 * <boot>/config-<release>, <modules>/<release>/config. Always the ABI
 * release (`uname -r`), never the parsed version. Returns 0 and names the
 * file used in source (may be NULL), or -1 (*out = KCONF_UNKNOWN) when no
 * config file exists.
 */
int kcheck_config_lookup(const struct kcheck_paths *p, const char *release, const char *option,
                         enum kcheck_conf *out, char *source, size_t sourcelen);

/* The audit= switch on the kernel command line. */
enum kcheck_cmdline_audit {
	KCMD_AUDIT_UNSET = 0, /* no audit= */
	KCMD_AUDIT_OFF,       /* audit=0 / audit=off: disabled until reboot */
	KCMD_AUDIT_ON,        /* audit=1 / audit=on */
};
/* Kernel command-line facts that matter to kestrel. */
struct kcheck_cmdline {
	enum kcheck_cmdline_audit audit;
	long backlog_limit; /* audit_backlog_limit=N, -1 when absent */
};
/* Parses a command line (contents of /proc/cmdline); the last audit= wins,
 * as in the kernel. */
void kcheck_cmdline_parse(const char *cmdline, struct kcheck_cmdline *out);

/* Kernel audit status (AUDIT_GET) as kcheck saw it. */
struct kcheck_status {
	uint32_t enabled; /* 0 off, 1 on, 2 immutable (locked) */
	uint32_t failure, pid, rate_limit, backlog_limit, lost, backlog;
	uint32_t feature_bitmap; /* AUDIT_FEATURE_BITMAP_* */
	uint32_t backlog_wait_time;
};

/* Everything kcheck_collect found; kcheck_evaluate turns it into verdicts. */
struct kcheck_facts {
	char release[KCHECK_UTS_MAX]; /* uname -r */
	char version[KCHECK_UTS_MAX]; /* uname -v */
	char machine[KCHECK_UTS_MAX]; /* uname -m */
	struct kversion kv;
	int kv_ok; /* kcheck_kernel_version succeeded */

	enum kcheck_conf config_audit, config_auditsyscall;
	char config_source[KCHECK_PATH_MAX]; /* "" when no config file */
	int has_loginuid;                    /* <proc>/self/loginuid exists: AUDITSYSCALL is on */

	int cmdline_read; /* <proc>/cmdline was readable */
	struct kcheck_cmdline cmdline;

	int euid;
	int netlink_errno; /* 0, or errno of socket/AUDIT_GET */
	int status_ok;     /* status below is valid */
	struct kcheck_status status;
	char pid_comm[KCHECK_UTS_MAX]; /* comm of status.pid, "" if gone */
	int multicast_errno;           /* 0: READLOG bind worked; -1 not tried */
	int execveat_nr;               /* syscall number on this machine, -1 unknown */

	int userns_init;    /* 1 init user ns, 0 not, -1 unknown */
	int pidns_init;     /* same for the pid namespace */
	int netns_init;     /* same as pid 1's net namespace */
	char container[32]; /* "docker", "podman", "" ... */

	/* Other readers of the multicast log group (kcheck_journal.c):
	 * NETLINK_AUDIT sockets with a group bit, -1 unknown; the first
	 * holder found (not pid 1 when another holds it too), 0 none. */
	int audit_listeners;
	long listener_pid;
	char listener_comm[KCHECK_UTS_MAX];
};

/*
 * Readers of the audit multicast group, from the text of /proc/net/netlink
 * (columns found by the header: Eth = protocol, Groups = hex bitmask,
 * Inode): counts the NETLINK_AUDIT (9) sockets with a non-zero group
 * mask and stores up to max of their inodes. Pure: no I/O.
 */
size_t kcheck_audit_listeners(const char *netlink_text, unsigned long *inodes, size_t max);
/* The pid holding socket inode (a bounded scan of <proc>/<pid>/fd; pid
 * skip ignored; pid 1 only if nobody else holds it), its comm in comm.
 * 0 when not found. */
long kcheck_socket_owner(const char *proc, unsigned long inode, long skip, char *comm,
                         size_t len);
/* Fills f->audit_listeners, listener_pid and listener_comm from <proc>. */
void kcheck_collect_listeners(const char *proc, struct kcheck_facts *f);

/* Collects facts from the running system (uname, files under p, kernel
 * audit via netlink). p may be NULL for the defaults. Never fails: what
 * cannot be read stays unknown and is reported as such. */
void kcheck_collect(const struct kcheck_paths *p, struct kcheck_facts *f);

enum kcheck_verdict { KCHECK_OK = 0, KCHECK_WARN, KCHECK_FAIL };
const char *kcheck_verdict_name(enum kcheck_verdict v);

/* One line of the report: what was checked, what was found, what to do. */
struct kcheck_item {
	const char *name; /* static string: "kernel", "audit netlink", ... */
	enum kcheck_verdict verdict;
	char detail[KCHECK_TEXT_MAX];
	char advice[KCHECK_TEXT_MAX]; /* "" when nothing to do */
};

/* Turns facts into verdicts (pure: no I/O). Fills up to max items and
 * returns how many. */
size_t kcheck_evaluate(const struct kcheck_facts *f, struct kcheck_item *items, size_t max);

/* Feature questions for the daemon, answered from facts (never from
 * uname string comparisons). */
int kcheck_has_multicast(const struct kcheck_facts *f);             /* READLOG group usable */
int kcheck_has_execveat(const struct kcheck_facts *f);              /* kernel has execveat */
int kcheck_has_feature(const struct kcheck_facts *f, uint32_t bit); /* AUDIT_FEATURE_BITMAP_* */
int kcheck_auditd_owns_pid(const struct kcheck_facts *f);           /* auditd is registered */

/* Prints items to out, one verdict per line with advice below. Returns 1
 * when any item is FAIL (kestrel cannot run here), 0 otherwise. */
int kcheck_print(FILE *out, const struct kcheck_facts *f, const struct kcheck_item *items,
                 size_t n);

/* Collects, evaluates and prints the report for this machine. Returns 1
 * when kestrel cannot run here, 0 otherwise: `kestrel --check` is
 * `return kcheck_report(stdout);`. */
int kcheck_report(FILE *out);

#endif
