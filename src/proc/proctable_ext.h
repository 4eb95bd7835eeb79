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

/*
 * Replay: a log rarely shows every exit (exit_group is audited only when a
 * rule needs it), so the table expires by log time, by itself, at most
 * every PROC_REPLAY_SWEEP_NS of log time: an entry not seen (no event of
 * its own, no fork creating it) for PROC_REPLAY_IDLE_NS is freed unless it
 * is an ancestor of an entry seen since (proc.pname and proc.aname of
 * active processes stay right). Past PROC_REPLAY_MAX_ENTRIES entries the
 * window is halved until the table fits (down to one second of log time).
 * Both count in proc_table_stats.expired.
 */
#define PROC_REPLAY_IDLE_NS (3600ull * 1000000000ull)
#define PROC_REPLAY_SWEEP_NS (60ull * 1000000000ull)
#define PROC_REPLAY_MAX_ENTRIES 32768

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
	size_t live;                  /* entries of running processes */
	size_t dead;                  /* exited, kept until the grace period ends */
	size_t slots;                 /* hash-table capacity */
	uint64_t procfs_reads;        /* /proc/<pid> reads on a miss (live mode) */
	uint64_t created;             /* entries created (scan, fork, miss) */
	uint64_t pid_reuse;           /* entries replaced because the pid was reused */
	uint64_t expired;             /* entries freed by expiry (live sweep, replay idle rule) */
	uint64_t container_inherited; /* execs that took the parent's container */
};
void proc_table_get_stats(const struct proc_table *pt, struct proc_table_stats *st);

/*
 * Session ids on demand. An exec the table has not seen (in a fork+exec
 * storm, nearly every exec) carries everything but the session id and the
 * exact start time in its SYSCALL record, so with lazy sessions on, the
 * table reads /proc/<pid>/stat only when proc_table_session() is asked (a
 * rule or output uses proc.sid, proc.is_sid_leader or proc.sname). Off by
 * default: p->sid is then filled at the exec, as before. The engine turns
 * it on when it reads session ids through proc_table_session().
 */
void proc_table_set_lazy_session(struct proc_table *pt, int on);
/* The session id of p (read from /proc at most once; KEV_UNSET when the
 * process is gone or its pid was reused since the event). Fills p->sid. */
int64_t proc_table_session(struct proc_table *pt, const struct proc *p);

/* Audit's tty= value ("pts0", "tty1", "ttyS0", "console", "(none)") as the
 * device number /proc/<pid>/stat calls tty_nr and Falco's proc.tty shows
 * (pts0 -> 34816). Returns 0 for "(none)", -1 for a name it does not know. */
int64_t proc_tty_from_name(const char *name);

#endif
