/*
 * proctable.c — the process table: one entry per process, keyed by pid and
 * checked against its start time so a reused pid never inherits another
 * process's identity. Seeded by a /proc scan, fed every normalized event
 * (exec sets the identity, fork/clone creates a child, exit_group marks it
 * dead), swept on a timer; in replay mode it never reads this machine's /proc.
 * Containers and session ids are in proctable_ctx.c, expiry in
 * proctable_expire.c, the shared internals in proctable_int.h.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proc/container.h"
#include "proc/fdtable.h"
#include "proc/overlay.h"
#include "proc/proctable_int.h"
#include "util/clock.h"

/*
 * The hash table is written here rather than taken from a library: glibc's
 * hsearch_r cannot delete, GLib's GHashTable would add a dependency and a
 * node allocation per insert, and uthash (header-only, in Debian) costs a
 * 56-byte handle per entry and a macro API for what is ~60 lines of
 * open addressing on an integer key. Slots hold entry pointers (entries
 * never move); probing is linear, deletion shifts back (no tombstones), the
 * load factor stays under 1/2.
 *
 * The key is the pid; the start time is the check. At most one entry holds
 * a pid: when evidence says the pid now belongs to another process (a fork
 * returning it, an event after its exit_group, a /proc start time later
 * than the entry's, a changed executable without an exec), the old entry
 * is dropped and a new one built, never updated in place.
 */
/* ---- clocks ---- */

void pt_refresh_boot_epoch(struct proc_table *pt)
{
	uint64_t real = clock_realtime_ns();
	uint64_t boot = clock_boottime_ns();
	pt->boot_epoch_ns = real > boot ? real - boot : 0;
}

/* Event time (ns since the epoch) on the table's clock: ns since boot in
 * live mode (the clock of /proc starttime), unchanged in replay mode. */
uint64_t pt_table_clock(const struct proc_table *pt, uint64_t epoch_ns)
{
	if (pt->mode == PROC_TABLE_REPLAY)
		return epoch_ns;
	return epoch_ns > pt->boot_epoch_ns ? epoch_ns - pt->boot_epoch_ns : 0;
}

/* ---- slots ---- */

static size_t slot_of(const struct proc_table *pt, int64_t pid)
{
	return (size_t)(((uint64_t)pid * PT_HASH_MUL) >> 32) & (pt->nslots - 1);
}

struct pt_entry *pt_slot_lookup(const struct proc_table *pt, int64_t pid)
{
	for (size_t i = slot_of(pt, pid);; i = (i + 1) & (pt->nslots - 1)) {
		struct pt_entry *e = pt->slots[i];
		if (!e)
			return NULL;
		if (e->p.pid == pid)
			return e;
	}
}

static void slot_place(struct pt_entry **slots, size_t nslots, struct pt_entry *e)
{
	size_t i = (size_t)(((uint64_t)e->p.pid * PT_HASH_MUL) >> 32) & (nslots - 1);
	while (slots[i])
		i = (i + 1) & (nslots - 1);
	slots[i] = e;
}

static int slot_insert(struct proc_table *pt, struct pt_entry *e)
{
	if ((pt->used + 1) * 2 > pt->nslots) {
		size_t n = pt->nslots * 2;
		struct pt_entry **s = calloc(n, sizeof(*s));
		if (!s)
			return -1;
		for (size_t i = 0; i < pt->nslots; i++)
			if (pt->slots[i])
				slot_place(s, n, pt->slots[i]);
		free(pt->slots);
		pt->slots = s;
		pt->nslots = n;
	}
	slot_place(pt->slots, pt->nslots, e);
	pt->used++;
	return 0;
}

/* Backward-shift deletion: later members of the probe run move up so
 * lookups never stop at a hole that used to hold their predecessor. */
static void slot_remove(struct proc_table *pt, int64_t pid)
{
	size_t mask = pt->nslots - 1;
	size_t i = slot_of(pt, pid);
	while (pt->slots[i] && pt->slots[i]->p.pid != pid)
		i = (i + 1) & mask;
	if (!pt->slots[i])
		return;
	size_t hole = i;
	for (size_t j = (i + 1) & mask; pt->slots[j]; j = (j + 1) & mask) {
		size_t home = slot_of(pt, pt->slots[j]->p.pid);
		/* Move j into the hole unless its home lies cyclically in (hole, j]. */
		int stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
		if (!stays) {
			pt->slots[hole] = pt->slots[j];
			hole = j;
		}
	}
	pt->slots[hole] = NULL;
	pt->used--;
}

/* ---- entries ---- */

/* clone(2) flag: the child shares the parent's fd table (a0). */
#define PT_CLONE_FILES 0x00000400ull

static void proc_reset(struct proc *p, int64_t pid)
{
	p->pid = pid;
	p->ppid = p->vpid = p->sid = KEV_UNSET;
	p->start = 0;
	memset(p->comm, 0, sizeof(p->comm));
	p->exe = p->exepath = p->cwd = NULL;
	p->argc = 0;
	p->argv = NULL;
	p->tty = KEV_UNSET;
	p->uid = p->gid = p->euid = p->egid = p->auid = p->ses = KEV_UNSET;
	p->exe_writable = KEV_UNSET;
	p->exec_time_ns = 0;
	p->container = NULL;
	p->from_procfs = 0;
	fdtable_free(p->fds); /* NULL on a free-list entry; safe either way */
	p->fds = NULL;
	p->caps_known = 0;
	p->cap_eff = p->cap_prm = p->cap_inh = 0;
	p->exe_layer = PROC_LAYER_UNKNOWN;
}

/* Capability sets from the event's BPRM_FCAPS / CAPSET record; an exec
 * without one by a non-root user: what ambient can hold at most. */
static void entry_caps(struct proc *p, const struct kevent *ev, int is_exec)
{
	if (ev->has_caps && (is_exec || ev->success == 1)) {
		p->caps_known = 1;
		p->cap_eff = ev->cap_pe;
		p->cap_prm = ev->cap_pp;
		p->cap_inh = ev->cap_pi;
	} else if (is_exec && p->caps_known && ev->euid != 0) {
		p->cap_prm &= p->cap_inh;
		p->cap_eff = p->cap_prm;
	}
}

static struct pt_entry *entry_alloc(struct proc_table *pt, int64_t pid)
{
	if (!pt->free_list) {
		struct pt_chunk *c = calloc(1, sizeof(*c));
		if (!c)
			return NULL;
		c->next = pt->chunks;
		pt->chunks = c;
		for (size_t i = PT_ENTRIES_PER_CHUNK; i-- > 0;) {
			c->entries[i].next_free = pt->free_list;
			pt->free_list = &c->entries[i];
		}
	}
	struct pt_entry *e = pt->free_list;
	pt->free_list = e->next_free;
	e->next_free = NULL;
	/* idbuf/cwdbuf keep their capacity from the previous user. */
	proc_reset(&e->p, pid);
	e->dead_ns = 0;
	e->start_kind = PT_START_SEEN;
	e->dead = e->maybe_thread = e->parent_missing = e->keep = e->sid_pending = 0;
	e->seen_ns = 0;
	return e;
}

static int entry_insert(struct proc_table *pt, struct pt_entry *e)
{
	if (slot_insert(pt, e) < 0) {
		pt_set_container(&e->p, NULL);
		fdtable_free(e->p.fds);
		e->p.fds = NULL;
		e->next_free = pt->free_list;
		pt->free_list = e;
		return -1;
	}
	pt->live++;
	pt->counters.created++;
	return 0;
}

void pt_entry_release(struct proc_table *pt, struct pt_entry *e)
{
	pt_set_container(&e->p, NULL);
	fdtable_free(e->p.fds); /* the fd table goes with the process */
	e->p.fds = NULL;
	slot_remove(pt, e->p.pid);
	if (e->dead)
		pt->dead--;
	else
		pt->live--;
	e->next_free = pt->free_list;
	pt->free_list = e;
}

/* A buffer for `need` bytes whose old contents are not kept (both users
 * overwrite it whole). It grows to the need rounded up to PT_BUF_ROUND
 * bytes, not to a power of two: every process holds one identity and one
 * cwd buffer, so slack is multiplied by the table's size (on average a
 * third of each buffer went unused). */
#define PT_BUF_ROUND 64u
static int ensure_cap(char **buf, size_t *cap, size_t need)
{
	if (need <= *cap)
		return 0;
	size_t n = (need + PT_BUF_ROUND - 1) & ~(size_t)(PT_BUF_ROUND - 1);
	if (n < need)
		return -1; /* overflow */
	char *b = malloc(n);
	if (!b)
		return -1;
	free(*buf);
	*buf = b;
	*cap = n;
	return 0;
}

/* Sets exepath and argv (proc.exe is argv[0]) in one buffer. It is built
 * in the table's spare buffer and swapped with the entry's, so the sources
 * may point into the entry itself, and a process that execs a program of
 * no larger identity allocates nothing. */
static void entry_set_identity(struct proc_table *pt, struct pt_entry *e, const char *exepath,
                               int argc, const char *const *argv)
{
	size_t need = (size_t)argc * sizeof(char *);
	for (int i = 0; i < argc; i++)
		need += strlen(argv[i]) + 1;
	if (exepath)
		need += strlen(exepath) + 1;
	if (need == 0 || ensure_cap(&pt->spare, &pt->spare_cap, need) < 0) {
		e->p.argc = 0;
		e->p.argv = NULL;
		e->p.exe = e->p.exepath = NULL;
		return;
	}
	/* A spare grown by one huge argv must not be handed to an ordinary
	 * entry (and from there around the table: every entry would end up
	 * with the largest buffer ever seen): such an identity gets a buffer of
	 * its own size instead, and the big spare stays the spare. */
	char *buf = pt->spare;
	size_t cap = pt->spare_cap;
	int own = cap > PT_IDBUF_SLACK && need * 2 < cap;
	if (own) {
		buf = malloc(need);
		cap = need;
		if (!buf) {
			e->p.argc = 0;
			e->p.argv = NULL;
			e->p.exe = e->p.exepath = NULL;
			return;
		}
	}
	char **av = (char **)(void *)buf;
	char *s = buf + (size_t)argc * sizeof(char *);
	for (int i = 0; i < argc; i++) {
		size_t len = strlen(argv[i]) + 1;
		memcpy(s, argv[i], len);
		av[i] = s;
		s += len;
	}
	e->p.exepath = NULL;
	if (exepath) {
		size_t len = strlen(exepath) + 1;
		memcpy(s, exepath, len);
		e->p.exepath = s;
	}
	e->p.argc = argc;
	e->p.argv = argc > 0 ? av : NULL;
	e->p.exe = argc > 0 ? av[0] : NULL;

	char *old = e->idbuf;
	size_t old_cap = e->idcap;
	e->idbuf = buf;
	e->idcap = cap;
	if (own) {
		free(old); /* the sources may have pointed into it: freed only now */
		return;
	}
	pt->spare = old;
	pt->spare_cap = old_cap;
}

static void entry_set_cwd(struct pt_entry *e, const char *cwd)
{
	if (!cwd || (e->p.cwd && strcmp(e->p.cwd, cwd) == 0))
		return;
	size_t len = strlen(cwd) + 1;
	if (ensure_cap(&e->cwdbuf, &e->cwdcap, len) < 0)
		return;
	memcpy(e->cwdbuf, cwd, len);
	e->p.cwd = e->cwdbuf;
}

/* chdir/fchdir: the cwd of the process's later events without a CWD
 * record; unknown when the table cannot tell (fdtable_new_cwd). */
static void entry_chdir(struct pt_entry *e, const struct kevent *ev)
{
	char cwd[PROCFS_PATH_MAX];
	int r = fdtable_new_cwd(e->p.fds, ev, e->p.cwd, cwd, sizeof(cwd));
	if (r > 0)
		entry_set_cwd(e, cwd);
	else if (r < 0)
		e->p.cwd = NULL;
}

static void set_comm(struct proc *p, const char *comm)
{
	if (!comm)
		return;
	size_t len = strnlen(comm, sizeof(p->comm) - 1);
	memcpy(p->comm, comm, len);
	p->comm[len] = '\0';
}

/* Fields every SYSCALL record carries: they follow the process (setuid,
 * a thread's own comm, a new terminal) so each event refreshes them. */
static void entry_apply_event(struct pt_entry *e, const struct kevent *ev)
{
	set_comm(&e->p, ev->comm);
	if (ev->ppid != KEV_UNSET && ev->ppid != e->p.ppid) {
		e->p.ppid = ev->ppid;
		e->parent_missing = 0;
	}
	if (ev->uid != KEV_UNSET)
		e->p.uid = ev->uid;
	if (ev->euid != KEV_UNSET)
		e->p.euid = ev->euid;
	if (ev->gid != KEV_UNSET)
		e->p.gid = ev->gid;
	if (ev->egid != KEV_UNSET)
		e->p.egid = ev->egid;
	if (ev->auid != KEV_UNSET)
		e->p.auid = ev->auid;
	if (ev->ses != KEV_UNSET)
		e->p.ses = ev->ses;
	if (ev->tty) {
		int64_t t = proc_tty_from_name(ev->tty);
		if (t >= 0)
			e->p.tty = t;
	}
	entry_set_cwd(e, ev->cwd);
}

/* Fills e from a /proc read (pt->info). */
static void entry_apply_procfs(struct proc_table *pt, struct pt_entry *e)
{
	const struct procfs_info *in = &pt->info;
	e->p.ppid = in->st.ppid;
	e->p.sid = in->st.sid;
	e->sid_pending = 0;
	e->p.tty = in->st.tty_nr;
	e->p.start = in->st.start_ns;
	e->start_kind = PT_START_PROCFS;
	set_comm(&e->p, in->st.comm);
	e->p.uid = in->uid >= 0 ? in->uid : KEV_UNSET;
	e->p.euid = in->euid >= 0 ? in->euid : KEV_UNSET;
	e->p.gid = in->gid >= 0 ? in->gid : KEV_UNSET;
	e->p.egid = in->egid >= 0 ? in->egid : KEV_UNSET;
	e->p.vpid = in->vpid >= 0 ? in->vpid : KEV_UNSET;
	e->p.auid = in->auid >= 0 ? in->auid : KEV_UNSET;
	e->p.ses = in->ses >= 0 ? in->ses : KEV_UNSET;
	e->p.exe_writable = in->exe_writable >= 0 ? in->exe_writable : KEV_UNSET;
	e->p.from_procfs = 1;

	/* cmdline is NUL-separated; a process that rewrote its title may
	 * leave one string without a final NUL. */
	int argc = 0;
	for (size_t i = 0; i < in->cmdline_len;) {
		size_t len = strnlen(in->cmdline + i, in->cmdline_len - i);
		if ((size_t)argc >= pt->argv_scratch_cap) {
			size_t n = pt->argv_scratch_cap ? pt->argv_scratch_cap * 2 : 64;
			const char **a = realloc(pt->argv_scratch, n * sizeof(*a));
			if (!a)
				break;
			pt->argv_scratch = a;
			pt->argv_scratch_cap = n;
		}
		pt->argv_scratch[argc++] = in->cmdline + i;
		i += len + 1;
	}
	entry_set_identity(pt, e, in->has_exe ? in->exepath : NULL, argc, pt->argv_scratch);
	if (in->has_cwd)
		entry_set_cwd(e, in->cwd);
}

/* Whether a /proc starttime belongs to the process of entry e. */
int pt_same_start(const struct pt_entry *e, uint64_t proc_start)
{
	if (e->start_kind == PT_START_PROCFS)
		return proc_start == e->p.start;
	/* Event-derived starts are upper bounds (to the slack) of the real one. */
	return proc_start <= e->p.start + PT_START_SLACK_NS;
}

/* Whether p (the candidate parent) may be the parent of a child started
 * at child_start: a process cannot have started after its child. */
int pt_may_be_parent(const struct pt_entry *parent, uint64_t child_start)
{
	if (parent->start_kind == PT_START_SEEN)
		return 1;
	return parent->p.start <= child_start + PT_START_SLACK_NS;
}

/* The first byte settles most events without a strcmp() call. */
static inline int is_name(const char *name, const char *want)
{
	return name && name[0] == want[0] && strcmp(name, want) == 0;
}

static int event_is_exec(const struct kevent *ev)
{
	return ev->success == 1 &&
	       (is_name(ev->syscall_name, "execve") || is_name(ev->syscall_name, "execveat"));
}

/* exit_group ends the process; exit ends one thread (pthread_exit uses it)
 * so it says nothing about the process. */
static int event_is_exit(const struct kevent *ev)
{
	return is_name(ev->syscall_name, "exit_group");
}

static int event_is_fork(const struct kevent *ev)
{
	const char *n = ev->syscall_name;
	return ev->exit != KEV_UNSET && ev->exit > 0 && ev->success != 0 &&
	       (is_name(n, "clone") || is_name(n, "clone3") || is_name(n, "fork") ||
	        is_name(n, "vfork"));
}

/* Arguments of the event's command line: EXECVE when present, else the
 * (possibly truncated) PROCTITLE. */
static void event_argv(const struct kevent *ev, int *argc, const char *const **argv)
{
	if (ev->nargv > 0) {
		*argc = ev->nargv;
		*argv = ev->argv;
	} else {
		*argc = kevent_proctitle(ev, argv);
	}
}

/* Live: 1 when e's recorded parent no longer runs (no /proc entry, or its
 * pid now belongs to a process started after the table's entry of it), so
 * the kernel may have reparented e. */
static int pt_parent_gone(const struct proc_table *pt, const struct pt_entry *e)
{
	struct procfs_stat st;
	const struct pt_entry *old;

	if (procfs_read_stat(PT_PROCROOT, e->p.ppid, &st) < 0)
		return 1;
	old = pt_slot_lookup(pt, e->p.ppid);
	return old && old->start_kind == PT_START_PROCFS && !pt_same_start(old, st.start_ns);
}

/* Whether the event can come from the process of entry e; 0 when the pid
 * evidently belongs to another process now. May upgrade e (reparenting, an
 * exact start time, an identity missed while exec events were lost). */
static int entry_matches(struct proc_table *pt, struct pt_entry *e, const struct kevent *ev,
                         uint64_t t, int is_exec)
{
	if (e->dead)
		return t <= e->dead_ns + PT_START_SLACK_NS;

	int ppid_changed = ev->ppid != KEV_UNSET && e->p.ppid != KEV_UNSET && ev->ppid != e->p.ppid;
	int exe_changed = !is_exec && ev->exe && e->p.exepath && strcmp(ev->exe, e->p.exepath) != 0;
	if (!ppid_changed && !exe_changed)
		return 1;

	if (pt->mode == PROC_TABLE_LIVE) {
		struct procfs_stat st;
		if (procfs_read_stat(PT_PROCROOT, e->p.pid, &st) < 0)
			/* Gone before its event was read (a short-lived process on
			 * a busy host): the records decide, as in a replay. A new
			 * parent is a reparenting when the old one is gone too
			 * (docker exec: runc's child exits, its child is handed to
			 * the shim) — not a new process with argv from PROCTITLE. */
			return !exe_changed && (!ppid_changed || pt_parent_gone(pt, e));
		if (!pt_same_start(e, st.start_ns))
			return 0;
		if (e->start_kind != PT_START_PROCFS) {
			e->p.start = st.start_ns;
			e->start_kind = PT_START_PROCFS;
		}
		if (exe_changed) {
			/* Same process, exec not seen: take the identity /proc has,
			 * but keep the records' spelling of the executable (a
			 * container's /proc/<pid>/exe reads as a host path), so
			 * the next event does not look changed again. */
			pt->counters.procfs_reads++;
			if (procfs_read_info(PT_PROCROOT, e->p.pid, &pt->info) == 0 &&
			    pt_same_start(e, pt->info.st.start_ns))
				entry_apply_procfs(pt, e);
			entry_set_identity(pt, e, ev->exe, e->p.argc,
			                   (const char *const *)e->p.argv);
		}
		return 1;
	}
	/* Replay: a changed executable without an exec is a new process as
	 * far as the records can tell; so is a new parent while the old one
	 * is still alive (the kernel reparents only orphans). */
	if (exe_changed)
		return 0;
	struct pt_entry *old = pt_slot_lookup(pt, e->p.ppid);
	if (old && !old->dead && pt_may_be_parent(old, e->p.start))
		return 0;
	return 1;
}

/* A pid the table does not hold: built from the event, completed from
 * /proc once in live mode. */
static struct pt_entry *entry_from_event(struct proc_table *pt, const struct kevent *ev, uint64_t t,
                                         int is_exec)
{
	struct pt_entry *e = entry_alloc(pt, ev->pid);
	if (!e)
		return NULL;
	e->p.start = t;
	e->start_kind = PT_START_SEEN;
	if (pt->mode == PROC_TABLE_LIVE && is_exec && pt->lazy_session) {
		/* An exec event carries the identity itself (ppid, ids, auid,
		 * ses, tty, comm, exe, argv, cwd) and its time bounds the start:
		 * no /proc read at all. In a fork+exec storm every exec is a miss
		 * and two in three of those processes are gone already. The
		 * session id is read if a rule asks (proc_table_session). */
		e->sid_pending = 1;
	} else if (pt->mode == PROC_TABLE_LIVE) {
		pt->counters.procfs_reads++;
		/* Lazy sessions off: an exec reads only stat (3 system calls
		 * instead of 9). A start later than the event means the pid was
		 * reused since. */
		int rc = is_exec ? procfs_read_core(PT_PROCROOT, ev->pid, &pt->info)
		                 : procfs_read_info(PT_PROCROOT, ev->pid, &pt->info);
		if (rc == 0 && pt->info.st.start_ns <= t + PT_START_SLACK_NS)
			entry_apply_procfs(pt, e);
	}
	entry_apply_event(e, ev);
	if (!is_exec && ev->exe && (!e->p.exepath || strcmp(e->p.exepath, ev->exe) != 0)) {
		/* /proc is missing or already shows a later exec: the records win.
		 * Without an EXECVE record the argv would come from PROCTITLE,
		 * which the kernel cuts at 128 bytes; a forked child that has not
		 * exec'd yet runs its parent's program with its parent's argv. */
		int argc;
		const char *const *argv;
		const struct pt_entry *par = ev->nargv == 0 ? pt_slot_lookup(pt, ev->ppid) : NULL;
		event_argv(ev, &argc, &argv);
		if (par && !par->dead && par->p.argc > 0 && par->p.exepath &&
		    strcmp(par->p.exepath, ev->exe) == 0 && argc > 0 &&
		    strcmp(par->p.argv[0], argv[0]) == 0) {
			argc = par->p.argc;
			argv = (const char *const *)par->p.argv;
		}
		entry_set_identity(pt, e, ev->exe, argc, argv);
	}
	if (entry_insert(pt, e) < 0)
		return NULL;
	return e;
}

static void entry_exec(struct proc_table *pt, struct pt_entry *e, const struct kevent *ev)
{
	int argc;
	const char *const *argv;
	/* the program before the exec (when known) and the one after */
	int mover =
	    pt_is_cgroup_mover(e->p.exepath, NULL, 0) || pt_is_cgroup_mover(ev->exe, ev->comm, 1);
	event_argv(ev, &argc, &argv);
	entry_set_identity(pt, e, ev->exe, argc, argv);
	e->p.exec_time_ns = ev->time_ns;
	/* Known from the exec's PATH record of the executable, else unknown. */
	e->p.exe_writable = KEV_UNSET;
	for (int i = 0; i < ev->npaths; i++) {
		const struct kev_path *pa = &ev->paths[i];
		if (pa->mode == KEV_UNSET || pa->ouid == KEV_UNSET || pa->ogid == KEV_UNSET ||
		    e->p.euid == KEV_UNSET)
			continue;
		if (i == 0 || (pa->name && ev->exe && strcmp(pa->name, ev->exe) == 0))
			e->p.exe_writable = procfs_mode_writable(
			    (uint32_t)pa->mode, pa->ouid, pa->ogid, e->p.euid, e->p.egid,
			    e->p.caps_known ? (int64_t)(e->p.cap_eff & INT64_MAX) : -1);
	}
	/* A new program may run in a new cgroup (runc moves its init before
	 * exec): in live mode, inherit or resolve again (exec_container). */
	if (pt->mode == PROC_TABLE_LIVE)
		pt_exec_container(pt, e, mover);
}

static void entry_fork(struct proc_table *pt, struct pt_entry *parent, const struct kevent *ev,
                       uint64_t t)
{
	int64_t child_pid = ev->exit;
	if (child_pid == parent->p.pid)
		return; /* not a real fork result */
	int is_clone = is_name(ev->syscall_name, "clone");
	int is_clone3 = is_name(ev->syscall_name, "clone3");
	if (is_clone && (ev->a[0] & PT_CLONE_THREAD))
		return; /* a thread, not a process */

	struct pt_entry *c = pt_slot_lookup(pt, child_pid);
	if (c && !c->dead && c->p.start + PT_START_SLACK_NS >= t) {
		/* The child's own events came first (vfork, or records of two
		 * CPUs interleaved): keep what they said. */
		c->p.ppid = parent->p.pid;
		return;
	}
	if (c) {
		pt_entry_release(pt, c);
		pt->counters.pid_reuse++;
	}
	c = entry_alloc(pt, child_pid);
	if (!c)
		return;
	struct proc *cp = &c->p;
	const struct proc *pp = &parent->p;
	cp->ppid = pp->pid;
	cp->sid = pp->sid;
	c->sid_pending = parent->sid_pending;
	cp->start = t;
	c->seen_ns = t;
	c->start_kind = PT_START_FORK;
	c->maybe_thread = is_clone3;
	memcpy(cp->comm, pp->comm, sizeof(cp->comm));
	cp->tty = pp->tty;
	cp->uid = pp->uid;
	cp->gid = pp->gid;
	cp->euid = pp->euid;
	cp->egid = pp->egid;
	cp->auid = pp->auid;
	cp->ses = pp->ses;
	cp->exe_writable = pp->exe_writable;
	cp->exe_layer = pp->exe_layer;
	cp->caps_known = pp->caps_known;
	cp->cap_eff = pp->cap_eff;
	cp->cap_prm = pp->cap_prm;
	cp->cap_inh = pp->cap_inh;
	cp->exec_time_ns = pp->exec_time_ns;
	pt_set_container(cp, pp->container);
	if (!is_clone3 && pp->vpid != KEV_UNSET && pp->vpid == pp->pid &&
	    !(is_clone && (ev->a[0] & PT_CLONE_NEWPID)))
		cp->vpid = child_pid; /* parent in the initial pid namespace */
	entry_set_identity(pt, c, pp->exepath, pp->argc, (const char *const *)pp->argv);
	entry_set_cwd(c, pp->cwd);
	if (!(is_clone && (ev->a[0] & PT_CLONE_FILES)))
		cp->fds = fdtable_clone(pp->fds); /* fork copies the fd table */
	entry_insert(pt, c);
}

/* ---- public API ---- */

struct proc_table *proc_table_new(enum proc_table_mode mode)
{
	struct proc_table *pt = calloc(1, sizeof(*pt));
	if (!pt)
		return NULL;
	pt->mode = mode;
	pt->nslots = PT_MIN_SLOTS;
	pt->slots = calloc(pt->nslots, sizeof(*pt->slots));
	if (!pt->slots) {
		free(pt);
		return NULL;
	}
	if (mode == PROC_TABLE_LIVE)
		pt_refresh_boot_epoch(pt);
	return pt;
}

void proc_table_free(struct proc_table *pt)
{
	if (!pt)
		return;
	for (struct pt_chunk *c = pt->chunks, *next; c; c = next) {
		next = c->next;
		for (size_t i = 0; i < PT_ENTRIES_PER_CHUNK; i++) {
			free(c->entries[i].idbuf);
			free(c->entries[i].cwdbuf);
			fdtable_free(c->entries[i].p.fds);
		}
		free(c);
	}
	if (pt->own_cc)
		container_cache_free(pt->cc);
	free(pt->slots);
	free(pt->argv_scratch);
	free(pt->victims);
	free(pt->spare);
	free(pt);
}

int proc_table_scan(struct proc_table *pt)
{
	if (pt->mode != PROC_TABLE_LIVE)
		return 0; /* replay: this machine's processes are not the log's */
	DIR *d = opendir(PT_PROCROOT);
	if (!d)
		return -1;
	int added = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		char *end;
		long long pid = strtoll(de->d_name, &end, 10);
		if (*end || pid <= 0 || pt_slot_lookup(pt, pid))
			continue;
		if (procfs_read_info(PT_PROCROOT, pid, &pt->info) < 0)
			continue; /* exited meanwhile */
		struct pt_entry *e = entry_alloc(pt, pid);
		if (!e)
			break;
		entry_apply_procfs(pt, e);
		if (entry_insert(pt, e) < 0)
			break;
		added++;
	}
	closedir(d);
	return added;
}

void proc_table_update(struct proc_table *pt, struct kevent *ev)
{
	ev->proc = NULL;
	if (ev->pid == KEV_UNSET || ev->pid <= 0)
		return;
	if (!ev->has_syscall) {
		/* USER_* and other records: attach what is known, create nothing. */
		ev->proc = (void *)proc_table_get(pt, ev->pid);
		return;
	}
	uint64_t t = pt_table_clock(pt, ev->time_ns);
	int is_exec = event_is_exec(ev);

	if (pt->mode == PROC_TABLE_REPLAY)
		pt_replay_sweep(pt, t);
	struct pt_entry *e = pt_slot_lookup(pt, ev->pid);
	if (e && !entry_matches(pt, e, ev, t, is_exec)) {
		pt_entry_release(pt, e);
		pt->counters.pid_reuse++;
		e = NULL;
	}
	if (!e) {
		e = entry_from_event(pt, ev, t, is_exec);
		if (!e)
			return;
	} else {
		e->maybe_thread = 0; /* audit's pid= is a thread group id */
		entry_apply_event(e, ev);
	}
	if (t > e->seen_ns)
		e->seen_ns = t;

	fdtable_apply(&e->p.fds, ev); /* out of memory: the fd stays unknown */
	entry_chdir(e, ev);
	entry_caps(&e->p, ev, is_exec);
	if (is_exec) {
		entry_exec(pt, e, ev);
		overlay_exec(pt->mode, &e->p, ev);
	} else if (event_is_fork(ev))
		entry_fork(pt, e, ev, t);
	else if (event_is_exit(ev) && !e->dead) {
		e->dead = 1;
		e->dead_ns = t;
		pt->live--;
		pt->dead++;
	} else if (is_name(ev->syscall_name, "setsid") && ev->exit != KEV_UNSET && ev->exit > 0) {
		e->p.sid = ev->exit;
		e->sid_pending = 0;
	}
	ev->proc = &e->p;
}

const struct proc *proc_table_get(struct proc_table *pt, int64_t pid)
{
	struct pt_entry *e = pt_slot_lookup(pt, pid);
	return e && !e->dead ? &e->p : NULL;
}

const struct proc *proc_table_parent(struct proc_table *pt, const struct proc *p)
{
	if (!p || p->ppid == KEV_UNSET || p->ppid <= 0 || p->ppid == p->pid)
		return NULL;
	struct pt_entry *child = (struct pt_entry *)(void *)p;
	struct pt_entry *e = pt_slot_lookup(pt, p->ppid);
	if (!e && pt->mode == PROC_TABLE_LIVE && !child->parent_missing) {
		/* A parent that forked after the scan and never made an event. */
		pt->counters.procfs_reads++;
		if (procfs_read_info(PT_PROCROOT, p->ppid, &pt->info) == 0 &&
		    (e = entry_alloc(pt, p->ppid)) != NULL) {
			entry_apply_procfs(pt, e);
			if (entry_insert(pt, e) < 0)
				e = NULL;
		}
		if (!e)
			child->parent_missing = 1;
	}
	if (!e || !pt_may_be_parent(e, p->start))
		return NULL;
	return &e->p;
}

size_t proc_table_size(const struct proc_table *pt)
{
	return pt->live;
}

void proc_table_get_stats(const struct proc_table *pt, struct proc_table_stats *st)
{
	*st = pt->counters;
	st->live = pt->live;
	st->dead = pt->dead;
	st->slots = pt->nslots;
}
