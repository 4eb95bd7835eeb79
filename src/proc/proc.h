/*
 * proc.h — the process table: what kestrel knows about each process,
 * keyed by pid and start time so a reused pid never inherits another
 * process's identity. Fed by exec (and fork/exit) events; a miss reads
 * /proc/<pid> once, except in replay mode where only replayed events count.
 *
 * Memory: the table owns its entries. A `const struct proc *` returned by a
 * lookup is valid until the next call that feeds the table an event
 * (proc_table_update) or expires entries; the engine only holds it for the
 * evaluation of one event.
 */
#ifndef KESTREL_PROC_H
#define KESTREL_PROC_H

#include <stdint.h>

#include "event/kevent.h"

struct container_info; /* proc/container.h */
struct fdtable;        /* proc/fdtable.h */

struct proc {
	int64_t pid;
	int64_t ppid;
	int64_t vpid;       /* pid in its own pid namespace, KEV_UNSET if unknown */
	int64_t sid;        /* session id (getsid), KEV_UNSET if unknown */
	uint64_t start;     /* start time, ns since boot (/proc stat) or event time */
	char comm[16];      /* task comm (proc.name) */
	char *exe;          /* argv[0] of the last exec (proc.exe), NULL if unknown */
	char *exepath;      /* executable path (proc.exepath), NULL if unknown */
	char *cwd;          /* NULL if unknown */
	int argc;
	char **argv;        /* argv[0..argc-1]; proc.args is argv[1..] */
	int64_t tty;        /* tty device number as Falco: 0 when none, KEV_UNSET if unknown */
	int64_t uid, gid, euid, egid, auid, ses;
	int64_t exe_writable; /* 1/0, KEV_UNSET if unknown */
	uint64_t exec_time_ns; /* time of the exec that set exe/argv; 0 if unknown */
	const struct container_info *container; /* NULL until resolved */
	int from_procfs;    /* 1 when seeded from /proc, 0 when built from events */
	struct fdtable *fds; /* fds described by audited syscalls (fdtable.h); NULL: none */
	/* Capability sets (bit N = capability N) from the last BPRM_FCAPS or
	 * CAPSET record, inherited across fork; valid when caps_known. An exec
	 * without BPRM_FCAPS by a non-root user keeps at most pI & pP (what
	 * ambient can hold: PR_CAP_AMBIENT is not audited). */
	int caps_known;
	uint64_t cap_eff, cap_prm, cap_inh;
	/* Layer of the executable in an overlay root (enum proc_exe_layer;
	 * 0: unknown); set at exec, live only (overlay.h). */
	int exe_layer;
};

struct proc_table;

enum proc_exe_layer { PROC_LAYER_UNKNOWN = 0, PROC_LAYER_UPPER, PROC_LAYER_LOWER };

enum proc_table_mode {
	PROC_TABLE_LIVE,   /* misses read /proc/<pid> */
	PROC_TABLE_REPLAY, /* never reads this machine's /proc */
};

struct proc_table *proc_table_new(enum proc_table_mode mode);
void proc_table_free(struct proc_table *pt);
/* Seed from a /proc scan (live mode). Returns entries added or -1. */
int proc_table_scan(struct proc_table *pt);
/* Feed one normalized event: exec updates, fork/clone creates, exit removes.
 * Sets ev->proc to the entry of the event's process. */
void proc_table_update(struct proc_table *pt, struct kevent *ev);
/* Lookup by pid (the live process holding that pid); NULL if unknown. */
const struct proc *proc_table_get(struct proc_table *pt, int64_t pid);
/* The parent of p, or NULL. */
const struct proc *proc_table_parent(struct proc_table *pt, const struct proc *p);
/* Container of p, resolved lazily (the first call reads /proc/<pid>/cgroup,
 * in live mode only) and inherited from the parent when the process is gone.
 * Returns &container_host when nothing says otherwise. */
const struct container_info *proc_table_container(struct proc_table *pt, const struct proc *p);
/* Number of live entries. */
size_t proc_table_size(const struct proc_table *pt);

/* Capability sets of a running process on this machine, as
 * /proc/<pid>/status shows them (thread.cap_* in live mode). */
enum proc_capset { PROC_CAP_EFFECTIVE, PROC_CAP_PERMITTED, PROC_CAP_INHERITABLE };
/* Reads one set of pid. Returns 1 and fills *caps (bit N = capability N),
 * 0 when unknown (process gone, no such line). Reads /proc (procfs.c). */
int proc_read_caps(int64_t pid, enum proc_capset which, uint64_t *caps);

/* Audit's tty= name as Falco's proc.tty device number (procfs.c; also in
 * proctable_ext.h). Returns 0 for "(none)", -1 for an unknown name. */
int64_t proc_tty_from_name(const char *name);

#endif
