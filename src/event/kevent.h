/*
 * kevent.h — the normalized event: one audit event (all records of one
 * serial) turned into typed fields. This is the contract between the audit
 * stages (producer) and the process table and rule engine (consumers).
 *
 * Memory: every pointer in a kevent points into storage owned by the
 * normalizer (struct knorm, event/normalize.h) and stays valid until the
 * next call to knorm_build() on the same normalizer. Consumers that need a
 * value longer than that copy it. Strings are NUL-terminated and already
 * decoded (hex and quoting removed); they may contain any byte except NUL,
 * so outputs must escape them.
 */
#ifndef KESTREL_KEVENT_H
#define KESTREL_KEVENT_H

#include <stdint.h>
#include <sys/types.h>

/* Integer fields the records did not carry hold KEV_UNSET. */
#define KEV_UNSET ((int64_t)INT64_MIN)
/* AT_FDCWD, as the *at syscalls' dirfd argument holds it. */
#define KEV_AT_FDCWD (-100)
/* Audit's "unset" id (auid=4294967295, ses=4294967295). */
#define KEV_ID_UNSET 4294967295u

struct kev_lazy_title;

struct kev_path {
	int item;             /* PATH item= (order of the kernel) */
	const char *name;     /* name= decoded; NULL for (null) */
	const char *nametype; /* NORMAL, PARENT, CREATE, DELETE, UNKNOWN ... or NULL */
	int64_t inode;        /* KEV_UNSET when absent */
	int64_t mode;         /* st_mode (octal in the record), KEV_UNSET when absent */
	int64_t ouid, ogid;   /* KEV_UNSET when absent */
	const char *dev;      /* "fd:00" as in the record, or NULL */
	/* 1 when name is relative to a directory fd (the *at syscalls' dirfd,
	 * not AT_FDCWD) that audit records do not resolve: name is then NOT
	 * relative to the cwd, and the directory is unknown; dirfd holds the
	 * descriptor number (/proc/<pid>/fd/<dirfd> while the process lives). */
	int dirfd_unresolved;
	int dirfd;
};

enum kev_sa_family {
	KEV_SA_NONE = 0,
	KEV_SA_INET,
	KEV_SA_INET6,
	KEV_SA_UNIX,
	KEV_SA_NETLINK,
	KEV_SA_OTHER,
};

struct kev_sockaddr {
	enum kev_sa_family family;
	int raw_family; /* AF_* number from the saddr bytes */
	char addr[112]; /* dotted/colon address, or the unix path ("@name" for abstract) */
	int port;       /* -1 when not applicable */
};

struct kevent {
	/* Identity of the audit event. */
	uint64_t time_ns; /* audit timestamp, ns since the epoch (ms precision) */
	uint64_t serial;  /* audit serial */
	const char *node; /* node= prefix, or NULL */
	int first_type;   /* record type of the first/primary record (SYSCALL=1300 ...) */
	int nrecords;     /* records that made up the event */
	int incomplete;   /* flushed by timeout/eviction/end of input, not by EOE/PROCTITLE */

	/* SYSCALL record. has_syscall is 0 for non-syscall events (USER_*, CONFIG_CHANGE). */
	int has_syscall;
	uint32_t arch;            /* AUDIT_ARCH_* value (0xc000003e ...) */
	int syscall;              /* number, -1 when unknown */
	const char *syscall_name; /* from libaudit's table for arch; NULL if unknown */
	int success;              /* 1 yes, 0 no, -1 not given */
	int64_t exit;             /* return value, KEV_UNSET when absent */
	uint64_t a[4];            /* a0..a3 as numbers */
	int64_t pid, ppid;
	int64_t uid, euid, suid, fsuid;
	int64_t gid, egid, sgid, fsgid;
	int64_t auid, ses; /* loginuid and audit session, 4294967295 = unset */
	const char *tty;   /* "pts0", "(none)" ... or NULL */
	const char *comm;  /* task comm, <= 15 bytes */
	const char *exe;   /* executable path */
	const char *key;   /* rule key; NULL for (null) */
	const char *subj;  /* LSM label, or NULL */

	/* Auxiliary records. */
	const char *cwd;    /* CWD record */
	int argc;           /* EXECVE argc (may exceed nargv if records were lost) */
	int nargv;          /* arguments reassembled */
	const char **argv;  /* nargv decoded arguments */
	int argv_truncated; /* 1 when arguments are missing (argc > nargv) */
	/* PROCTITLE split on NUL: read it through kevent_proctitle(). The
	 * normalizer leaves these two empty and points proctitle_src at the
	 * undecoded value, decoded on first use: most events never need it
	 * (the process table reads it only for an event without EXECVE). A
	 * kevent built by hand may fill the two fields and leave src NULL. */
	int nproctitle;
	const char **proctitle;
	struct kev_lazy_title *proctitle_src;
	int npaths;
	struct kev_path *paths; /* in item order */
	int has_sockaddr;
	struct kev_sockaddr sockaddr;

	/* Capability sets (bit N = capability N): from BPRM_FCAPS (pe/pp/pi/pa,
	 * the sets after an exec) or CAPSET (cap_pe/..., what capset set);
	 * valid when has_caps. */
	int has_caps;
	uint64_t cap_pe, cap_pp, cap_pi, cap_pa;
	/* OPENAT2 (openat2's struct open_how): flags and mode, KEV_UNSET when
	 * absent. */
	int64_t openat2_flags, openat2_mode;
	/* FD_PAIR (pipe, pipe2, socketpair): the two new fds, -1 when absent. */
	int fd_pair[2];
	/* Numeric fields that were not numbers or out of range (then left
	 * KEV_UNSET, as if absent). */
	int malformed;

	/* Set by later stages (process table); opaque here. */
	void *proc;
};

/* The PROCTITLE words of ev (NULL-terminated) into *words; returns their
 * number, 0 when the event has none (or decoding ran out of memory). The
 * first call must come while the event is handed on (the pipeline's
 * callback: the undecoded value lives in the assembler's storage); the
 * words then stay valid as long as ev's other pointers. Defined in
 * normalize.c; knorm_fill_lazy() decodes ahead for a copied kevent. */
int kevent_proctitle(const struct kevent *ev, const char *const **words);

#endif
