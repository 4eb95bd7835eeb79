/*
 * proctable_expire.c — freeing the entries of processes that are gone: in
 * live mode by re-reading /proc on a timer, in replay mode by log time
 * (the idle rule and the size bound of proctable_ext.h).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "proc/proctable_int.h"

/* Adds e to the victims of a sweep; 0 when the array cannot grow. */
static int victim_add(struct proc_table *pt, size_t *n, struct pt_entry *e)
{
	if (*n == pt->victims_cap) {
		size_t cap = pt->victims_cap ? pt->victims_cap * 2 : 64;
		struct pt_entry **v = realloc(pt->victims, cap * sizeof(*v));
		if (!v)
			return 0;
		pt->victims = v;
		pt->victims_cap = cap;
	}
	pt->victims[(*n)++] = e;
	return 1;
}

/* Frees the n victims (after the walk: deletion shifts slots). */
static size_t victims_release(struct proc_table *pt, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pt_entry_release(pt, pt->victims[i]);
	pt->counters.expired += n;
	return n;
}

/* Replay: frees the entries not seen for idle ns of log time that are not
 * ancestors of an entry seen within it (the rule in proctable_ext.h). */
static size_t replay_expire_idle(struct proc_table *pt, uint64_t now, uint64_t idle)
{
	size_t n = 0, i;

	for (i = 0; i < pt->nslots; i++) {
		struct pt_entry *cur = pt->slots[i];
		if (!cur || cur->dead || cur->seen_ns + idle <= now)
			continue;
		for (int depth = 0; depth < PT_ANCESTRY_MAX; depth++) {
			struct pt_entry *par =
			    cur->p.ppid > 0 ? pt_slot_lookup(pt, cur->p.ppid) : NULL;
			if (!par || par == cur || par->keep)
				break;
			par->keep = 1;
			cur = par;
		}
	}
	for (i = 0; i < pt->nslots; i++) {
		struct pt_entry *e = pt->slots[i];
		if (!e)
			continue;
		int drop = (!e->keep && e->seen_ns + idle <= now) ||
		           (e->dead && now >= e->dead_ns + PROC_DEAD_GRACE_NS);
		if (drop && !victim_add(pt, &n, e))
			break;
		e->keep = 0;
	}
	for (; i < pt->nslots; i++) /* after a failed allocation */
		if (pt->slots[i])
			pt->slots[i]->keep = 0;
	return victims_release(pt, n);
}

/* Replay: the idle sweep every PROC_REPLAY_SWEEP_NS of log time, and past
 * PROC_REPLAY_MAX_ENTRIES shorter windows until 3/4 of the bound is left
 * (so a flood pays one sweep per quarter of the bound, not one per event). */
void pt_replay_sweep(struct proc_table *pt, uint64_t now)
{
	if (now >= pt->next_sweep_ns) {
		if (pt->next_sweep_ns != 0)
			replay_expire_idle(pt, now, PROC_REPLAY_IDLE_NS);
		pt->next_sweep_ns = now + PROC_REPLAY_SWEEP_NS;
	}
	if (pt->used <= PROC_REPLAY_MAX_ENTRIES)
		return;
	for (uint64_t idle = PROC_REPLAY_IDLE_NS / 2;
	     idle >= 1000000000ull && pt->used > PROC_REPLAY_MAX_ENTRIES / 4 * 3; idle /= 2)
		replay_expire_idle(pt, now, idle);
}

/*
 * Expiry. exit_group events (when the rules subscribe to them) mark an
 * entry dead at once; expiry frees it after PROC_DEAD_GRACE_NS. Without
 * them, live mode finds dead processes by re-reading /proc/<pid>/stat of
 * every entry: that catches a reused pid too (a start time that differs),
 * which kill(pid, 0) cannot. Measured on this machine (Debian 12, 2 cores,
 * 80 processes, -O2): a stat read costs 2.9 us against 0.3 us for
 * kill(pid, 0); a sweep of 80 entries takes 0.22 ms (2.7 us per entry), so
 * ~27 ms for 10,000 processes: at one sweep per PROC_EXPIRE_INTERVAL_NS
 * (10 s) that is 0.3 % of one core on a large host and nothing on the
 * per-event path (a table hit costs ~0.14 us, a fork or exec ~0.3 us).
 * Under a load average of 8 all of these were 3-4 times slower.
 * The proc connector would push exits instead, but needs its own netlink
 * socket and CAP_NET_ADMIN and still loses messages under load.
 * Replay mode never reads /proc: exit_group, pid reuse and the log-time
 * idle rule (pt_replay_sweep(), run by proc_table_update itself) free entries.
 */
size_t proc_table_expire(struct proc_table *pt, uint64_t now_ns)
{
	if (pt->mode == PROC_TABLE_LIVE)
		pt_refresh_boot_epoch(pt);
	uint64_t now = pt_table_clock(pt, now_ns);
	size_t n = 0;
	for (size_t i = 0; i < pt->nslots; i++) {
		struct pt_entry *e = pt->slots[i];
		if (!e)
			continue;
		int drop = 0;
		if (e->dead)
			drop = now >= e->dead_ns + PROC_DEAD_GRACE_NS;
		else if (e->maybe_thread && now >= e->p.start + PROC_DEAD_GRACE_NS)
			drop = 1; /* a clone3 child that never acted: most are threads */
		else if (pt->mode == PROC_TABLE_LIVE) {
			struct procfs_stat st;
			if (procfs_read_stat(PT_PROCROOT, e->p.pid, &st) < 0)
				drop = errno == ENOENT || errno == ESRCH;
			else if (!pt_same_start(e, st.start_ns))
				drop = 1;
			else if (e->start_kind != PT_START_PROCFS) {
				e->p.start = st.start_ns;
				e->start_kind = PT_START_PROCFS;
			}
		}
		if (drop && !victim_add(pt, &n, e))
			break;
	}
	n = victims_release(pt, n);
	if (pt->mode == PROC_TABLE_REPLAY)
		n += replay_expire_idle(pt, now, PROC_REPLAY_IDLE_NS);
	return n;
}
