/*
 * proctable_int.h — the process table's internals shared by its files:
 * proctable.c (entries, events, the hash table), proctable_ctx.c (context
 * resolved on demand: containers, session ids) and proctable_expire.c
 * (expiry, live and replay). Not for other modules: they use proc.h and
 * proctable_ext.h.
 */
#ifndef KESTREL_PROCTABLE_INT_H
#define KESTREL_PROCTABLE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "proc/proc.h"
#include "proc/procfs.h"
#include "proc/proctable_ext.h"

/* A spare identity buffer larger than this and more than twice what an
 * identity needs is not swapped into the entry (see entry_set_identity). */
#define PT_IDBUF_SLACK 4096
#define PT_MIN_SLOTS 1024u
#define PT_ENTRIES_PER_CHUNK 256u
/* Hash multiplier (2^64 / golden ratio): spreads consecutive pids. */
#define PT_HASH_MUL 0x9E3779B97F4A7C15ull
/* Tolerance when comparing start times from different clocks: /proc
 * starttime is truncated to clock ticks (10 ms at USER_HZ 100) and audit
 * timestamps use the coarse clock (one jiffy, up to 4 ms at HZ 250). */
#define PT_START_SLACK_NS (20ull * 1000000ull)
/* Longest parent chain walked when inheriting a container. */
#define PT_ANCESTRY_MAX 64
/* clone(2) flags in a0 that matter here (linux/sched.h). */
#define PT_CLONE_THREAD 0x00010000ull
#define PT_CLONE_NEWPID 0x20000000ull
#define PT_PROCROOT "/proc"

/* How much the start time of an entry can be trusted. */
enum pt_start_kind {
	PT_START_PROCFS, /* /proc starttime: exact (to a tick) */
	PT_START_FORK,   /* time of the fork event that created it */
	PT_START_SEEN,   /* time of the first event seen: an upper bound */
};

struct pt_entry {
	struct proc p; /* first member: a const struct proc * is an entry */
	char *idbuf;   /* argv pointer array, argv strings, exepath */
	size_t idcap;
	char *cwdbuf;
	size_t cwdcap;
	uint64_t dead_ns; /* table clock of the exit_group event */
	uint8_t start_kind;
	uint8_t dead;           /* exit_group seen; freed after the grace period */
	uint8_t maybe_thread;   /* created by clone3 (flags unknown), no own event yet */
	uint8_t parent_missing; /* live: /proc/<ppid> was absent, do not re-read */
	uint8_t keep;           /* replay sweep: ancestor of an active entry */
	uint8_t sid_pending;    /* live, lazy sessions: sid not read from /proc yet */
	uint64_t seen_ns;       /* table clock of the last event of or creating it */
	struct pt_entry *next_free;
};

struct pt_chunk {
	struct pt_chunk *next;
	struct pt_entry entries[PT_ENTRIES_PER_CHUNK];
};

struct proc_table {
	enum proc_table_mode mode;
	struct pt_entry **slots;
	size_t nslots; /* power of two */
	size_t used;   /* live + dead entries in slots */
	size_t live, dead;
	struct pt_chunk *chunks;
	struct pt_entry *free_list;
	/* Live mode: wall clock minus boot clock, to put event times (epoch)
	 * on the /proc starttime clock (since boot). Refreshed by expiry. */
	uint64_t boot_epoch_ns;
	struct container_cache *cc;
	int own_cc;
	struct proc_table_stats counters;
	/* Reused buffers: no allocation per event on the hot path. */
	struct procfs_info info;
	const char **argv_scratch;
	size_t argv_scratch_cap;
	struct pt_entry **victims;
	size_t victims_cap;
	char *spare; /* identity buffer being built (entry_set_identity) */
	size_t spare_cap;
	uint64_t next_sweep_ns; /* replay: log time of the next idle sweep */
	int lazy_session;       /* proc_table_set_lazy_session() */
};

/* proctable.c */
void pt_refresh_boot_epoch(struct proc_table *pt);
/* Event time (ns since the epoch) on the table's clock. */
uint64_t pt_table_clock(const struct proc_table *pt, uint64_t epoch_ns);
struct pt_entry *pt_slot_lookup(const struct proc_table *pt, int64_t pid);
void pt_entry_release(struct proc_table *pt, struct pt_entry *e);
int pt_same_start(const struct pt_entry *e, uint64_t proc_start);
int pt_may_be_parent(const struct pt_entry *parent, uint64_t child_start);

/* proctable_ctx.c */
void pt_set_container(struct proc *p, const struct container_info *ci);
int pt_is_cgroup_mover(const char *exe, const char *comm, int unknown_is_mover);
void pt_exec_container(struct proc_table *pt, struct pt_entry *e, int mover);

/* proctable_expire.c */
void pt_replay_sweep(struct proc_table *pt, uint64_t now);

#endif
