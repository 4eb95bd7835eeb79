/*
 * procfs.h — bounded readers of /proc/<pid> used by the process table (the
 * start-up scan, a miss, the expiry sweep) and the audit tty-name mapping.
 * Internal to src/proc; other stages go through proc.h / proctable_ext.h.
 *
 * Memory: struct procfs_info holds fixed buffers only; nothing to free.
 */
#ifndef KESTREL_PROCFS_H
#define KESTREL_PROCFS_H

#include <stddef.h>
#include <stdint.h>

#include "proc/proc.h"

/* Longest path (exe link, cwd link) kept; longer ones are truncated. */
#define PROCFS_PATH_MAX 4096
/* Longest cmdline kept; the kernel gives at most one page without
 * ptrace rights on some kernels, audit EXECVE records are the full source. */
#define PROCFS_CMDLINE_MAX 4096

/* What one /proc/<pid>/stat read gives. */
struct procfs_stat {
	int64_t pid;
	int64_t ppid;
	int64_t sid;
	int64_t tty_nr;    /* already encoded as the kernel's new_encode_dev */
	uint64_t start_ns; /* starttime converted to ns since boot */
	char comm[16];
};

/* What a full /proc/<pid> read gives. Absent parts: empty strings, -1 ids,
 * has_* flags 0. */
struct procfs_info {
	struct procfs_stat st;
	int64_t uid, euid, gid, egid; /* status Uid:/Gid: (real, effective) */
	int64_t vpid;                 /* last NSpid: value, -1 if absent */
	int64_t auid, ses;            /* loginuid, sessionid; -1 if unreadable */
	int64_t exe_writable;         /* -1 unknown, else 0/1 */
	int has_exe, has_cwd;
	char exepath[PROCFS_PATH_MAX];
	char cwd[PROCFS_PATH_MAX];
	size_t cmdline_len; /* bytes in cmdline, NUL-separated args */
	char cmdline[PROCFS_CMDLINE_MAX];
};

/* Read <procroot>/<pid>/stat. Returns 0, or -1 with errno (ENOENT: gone). */
int procfs_read_stat(const char *procroot, int64_t pid, struct procfs_stat *st);

/* Read everything the process table keeps about <procroot>/<pid>.
 * Returns 0 when at least stat was read, -1 with errno otherwise. */
int procfs_read_info(const char *procroot, int64_t pid, struct procfs_info *info);

/* Only stat (start, session, tty, ppid): for an exec event, which carries
 * exe, argv, cwd, uids, loginuid and session itself. One open, read and
 * close instead of a full read's nine calls; the other members are left
 * unknown. Returns as procfs_read_info. */
int procfs_read_core(const char *procroot, int64_t pid, struct procfs_info *info);

/* Whether a file of mode/owner is writable for euid/egid as Falco's
 * proc.is_exe_writable sees it (the kernel's write permission check or
 * inode_owner_or_capable): the owner, a holder of CAP_DAC_OVERRIDE or
 * CAP_FOWNER in cap_eff (bit N = capability N; -1: unknown, then root is
 * assumed to hold them), else the group or other write bit. Supplementary
 * groups are not known and not counted. */
int procfs_mode_writable(uint32_t mode, int64_t ouid, int64_t ogid, int64_t euid, int64_t egid,
                         int64_t cap_eff);

/* One capability set from <procroot>/<pid>/status (CapEff/CapPrm/CapInh).
 * Returns 1 and fills *caps, 0 when the process or line is not there. */
int procfs_read_caps(const char *procroot, int64_t pid, enum proc_capset which, uint64_t *caps);

#endif
