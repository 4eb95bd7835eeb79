/*
 * proctable_ext.h — process-table API beyond the proc.h contract: expiry of
 * dead processes (the daemon calls it on a timer), the container cache the
 * table resolves containers through, counters for stats, and the audit
 * tty-name mapping. Candidates to fold into proc.h.
 */
#ifndef KESTREL_PROCTABLE_EXT_H
#define KESTREL_PROCTABLE_EXT_H

#include <stddef.h>
#include <stdint.h>

#include "proc/proc.h"

struct container_cache; /* proc/container.h */

/* How long an entry whose exit_group was seen stays readable (for events
 * of the same process still in flight) before expiry frees it. */
#define PROC_DEAD_GRACE_NS (5ull * 1000000000ull)
/* Suggested period of proc_table_expire() in live mode (see the cost
 * measured in proctable.c). */
#define PROC_EXPIRE_INTERVAL_NS (10ull * 1000000000ull)

/* Frees entries of dead processes and returns how many it freed.
 * now_ns is on the clock of kevent.time_ns (ns since the epoch): the wall
 * clock in live mode, the time of the last replayed event in replay mode.
 * Live mode also re-reads /proc/<pid>/stat of every entry to find processes
 * that exited (or whose pid was reused) without an exit_group event.
 * Pointers from earlier lookups are invalid afterwards. */
size_t proc_table_expire(struct proc_table *pt, uint64_t now_ns);

/* The container cache proc_table_container() asks (not owned; it must
 * outlive the table). Without one, a live table creates its own with the
 * runtimes' default roots on first use and frees it with the table. */
void proc_table_set_container_cache(struct proc_table *pt, struct container_cache *cc);

struct proc_table_stats {
	size_t live;           /* entries of running processes */
	size_t dead;           /* exited, kept until the grace period ends */
	size_t slots;          /* hash-table capacity */
	uint64_t procfs_reads; /* /proc/<pid> reads on a miss (live mode) */
	uint64_t created;      /* entries created (scan, fork, miss) */
	uint64_t pid_reuse;    /* entries replaced because the pid was reused */
	uint64_t expired;      /* entries freed by proc_table_expire */
};
void proc_table_get_stats(const struct proc_table *pt, struct proc_table_stats *st);

/* Audit's tty= value ("pts0", "tty1", "ttyS0", "console", "(none)") as the
 * device number /proc/<pid>/stat calls tty_nr and Falco's proc.tty shows
 * (pts0 -> 34816). Returns 0 for "(none)", -1 for a name it does not know. */
int64_t proc_tty_from_name(const char *name);

#endif
