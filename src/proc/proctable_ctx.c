/*
 * proctable_ctx.c — process context the table resolves on demand or
 * carries across an exec: the container (held in the container cache,
 * inherited from the parent unless a cgroup mover is involved, else read
 * from /proc/<pid>/cgroup lazily) and the session id (read lazily).
 */
#include "config.h"

#include <string.h>

#include "proc/container.h"
#include "proc/proctable_int.h"

/* Sets the container of p, holding it in the container cache (which may
 * evict containers no process holds). */
void pt_set_container(struct proc *p, const struct container_info *ci)
{
	if (p->container == ci)
		return;
	container_info_release(p->container);
	container_info_hold(ci);
	p->container = ci;
}

/*
 * Programs that put a process into another cgroup before it execs, or run
 * in one they create: container runtimes and shims, systemd (units,
 * scopes, machines), LXC, cgexec. Matched on the executable's base name
 * (or the comm runc gives its init, "runc:[2:INIT]").
 */
static const char *const pt_cgroup_movers[] = {
    "runc",        "crun",           "youki",       "runsc",     "conmon",
    "systemd",     "systemd-nspawn", "systemd-run", "lxc-start", "lxc-attach",
    "lxc-execute", "docker-init",    "cgexec",      NULL,
};

/* Whether exe (a path) or comm names a cgroup mover; unknown (both NULL)
 * counts as one when unknown_is_mover. */
int pt_is_cgroup_mover(const char *exe, const char *comm, int unknown_is_mover)
{
	if (!exe && (!comm || !comm[0]))
		return unknown_is_mover;
	if (comm && strncmp(comm, "runc:", 5) == 0)
		return 1;
	if (!exe)
		return 0;
	const char *base = strrchr(exe, '/');
	base = base ? base + 1 : exe;
	if (strncmp(base, "containerd-shim", 15) == 0)
		return 1;
	for (int i = 0; pt_cgroup_movers[i]; i++)
		if (strcmp(base, pt_cgroup_movers[i]) == 0)
			return 1;
	return 0;
}

static struct container_cache *table_cc(struct proc_table *pt);

/*
 * A program started through a cgroup mover (a container's first process,
 * a docker exec, a systemd unit) is resolved now rather than lazily: the
 * exec is the moment its /proc/<pid>/cgroup is most likely still there,
 * and its container's state is read while the runtime still has it, so
 * the children it execs (which inherit) keep the container's identity
 * even when the container is removed before kestrel evaluates them. One
 * bounded read per such exec; ordinary execs inherit without one.
 */
static void pt_exec_resolve_now(struct proc_table *pt, struct pt_entry *e)
{
	const struct container_info *ci;

	if (!table_cc(pt))
		return;
	ci = container_cache_lookup_pid(pt->cc, PT_PROCROOT, e->p.pid);
	if (ci)
		pt_set_container(&e->p, ci);
}

/*
 * The container of a process that just exec'd (live mode). Reading
 * /proc/<pid>/cgroup for every exec costs an open that, in an exec storm,
 * mostly fails (the process is gone); a process is in its parent's cgroup
 * unless something moved it, so the parent's resolved container is taken
 * when the parent is known and neither it nor the program before or after
 * the exec is a cgroup mover (pt_cgroup_movers). Otherwise the container
 * is resolved again from /proc: now when a mover was involved
 * (pt_exec_resolve_now), else lazily.
 * Residual risk: a process moved into another container's cgroup by
 * anything else (a root shell writing cgroup.procs, a tool not in the
 * list) keeps its parent's container until its children exec under a
 * mover; moves within the host or within one container change nothing.
 */
void pt_exec_container(struct proc_table *pt, struct pt_entry *e, int mover)
{
	const struct pt_entry *par = NULL;

	if (!mover && e->p.ppid > 0 && e->p.ppid != e->p.pid)
		par = pt_slot_lookup(pt, e->p.ppid);
	if (par && !par->dead && par->p.container && pt_may_be_parent(par, e->p.start) &&
	    !pt_is_cgroup_mover(par->p.exepath, par->p.comm, 1)) {
		pt_set_container(&e->p, par->p.container);
		pt->counters.container_inherited++;
		return;
	}
	pt_set_container(&e->p, NULL);
	if (mover || (par && pt_is_cgroup_mover(par->p.exepath, par->p.comm, 0)))
		pt_exec_resolve_now(pt, e);
}

static struct container_cache *table_cc(struct proc_table *pt)
{
	if (!pt->cc) {
		struct container_roots roots;
		memset(&roots, 0, sizeof(roots));
		pt->cc = container_cache_new(&roots);
		pt->own_cc = pt->cc != NULL;
	}
	return pt->cc;
}

static int pt_hex_id(const char *s)
{
	return s && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* The id in `runc|crun [options] exec [options] <64-hex id> ...`; *hint
 * says docker when runc's state root is moby's. */
static const char *pt_runc_exec_id(const struct proc *par, enum container_type *hint)
{
	int exec = 0;

	for (int i = 1; i < par->argc; i++) {
		const char *a = par->argv[i];
		if (!a)
			continue;
		if (!exec && strcmp(a, "exec") == 0)
			exec = 1;
		else if (exec && pt_hex_id(a))
			return a;
		else if (!exec && strstr(a, "/moby"))
			*hint = CT_DOCKER;
	}
	return NULL;
}

/* The id in `containerd-shim* -namespace NS -id <id>`: one shim per
 * container outside Kubernetes (moby: docker's; other namespaces: ctr,
 * nerdctl); a Kubernetes shim (k8s.io) serves a whole pod: not taken.
 * *hint says docker for moby. */
static const char *pt_shim_id(const struct proc *par, enum container_type *hint)
{
	const char *id = NULL, *ns = NULL;

	for (int i = 1; i + 1 < par->argc; i++) {
		if (!par->argv[i] || !par->argv[i + 1])
			continue;
		if (strcmp(par->argv[i], "-namespace") == 0)
			ns = par->argv[i + 1];
		else if (strcmp(par->argv[i], "-id") == 0)
			id = par->argv[i + 1];
	}
	if (!ns || strcmp(ns, "k8s.io") == 0)
		return NULL;
	*hint = strcmp(ns, "moby") == 0 ? CT_DOCKER : CT_CONTAINERD;
	return id;
}

/*
 * A process gone before kestrel read its cgroup, whose parent is a
 * container runtime working for one container: the parent's arguments
 * name it. runc/crun `exec` is the parent of a docker/CRI exec'd program
 * until runc exits; the container's shim adopts its processes after.
 * Trusted only from root (anyone can name a program runc) and only for a
 * process that is not itself a runtime program (the shim also starts
 * runc, which is on the host). The container is read from the cache,
 * where its first process's exec put it (pt_exec_resolve_now), so a
 * container removed meanwhile still has its name.
 */
static const struct container_info *
pt_runtime_container(struct proc_table *pt, const struct proc *cur, const struct proc *par)
{
	enum container_type hint = CT_CONTAINERD;
	const char *base, *id = NULL;

	if (!par || par->euid != 0 || !par->exepath || par->argc < 2 || !par->argv ||
	    pt_is_cgroup_mover(cur->exepath, cur->comm, 1) || !table_cc(pt))
		return NULL;
	base = strrchr(par->exepath, '/');
	base = base ? base + 1 : par->exepath;
	if (strcmp(base, "runc") == 0 || strcmp(base, "crun") == 0) {
		id = pt_runc_exec_id(par, &hint);
	} else if (strncmp(base, "containerd-shim", 15) == 0) {
		id = pt_shim_id(par, &hint);
	}
	if (!pt_hex_id(id))
		return NULL;
	return container_cache_lookup_id(pt->cc, id, hint);
}

const struct container_info *proc_table_container(struct proc_table *pt, const struct proc *p)
{
	const struct proc *cur = p;
	const struct container_info *ci = NULL;
	for (int depth = 0; cur && depth < PT_ANCESTRY_MAX; depth++) {
		if (cur->container) {
			ci = cur->container;
			if (pt->mode == PROC_TABLE_LIVE)
				container_cache_refresh(pt->cc, ci); /* renamed? */
			break;
		}
		const struct pt_entry *e = (const struct pt_entry *)(const void *)cur;
		if (pt->mode != PROC_TABLE_LIVE)
			break; /* replay: only what the events set */
		if (!e->dead && table_cc(pt)) {
			ci = container_cache_lookup_pid(pt->cc, PT_PROCROOT, cur->pid);
			if (ci) {
				pt_set_container((struct proc *)(void *)cur, ci);
				break;
			}
		}
		/* Gone before we looked: a process is in its parent's container
		 * unless /proc said otherwise, or its parent is the runtime
		 * that started it in one. */
		const struct proc *par = proc_table_parent(pt, cur);
		ci = pt_runtime_container(pt, cur, par);
		if (ci) {
			pt_set_container((struct proc *)(void *)cur, ci);
			break;
		}
		cur = par;
	}
	if (!ci)
		ci = &container_host;
	if (!p->container)
		pt_set_container((struct proc *)(void *)p, ci);
	return ci;
}

void proc_table_set_container_cache(struct proc_table *pt, struct container_cache *cc)
{
	if (pt->own_cc)
		container_cache_free(pt->cc);
	pt->cc = cc;
	pt->own_cc = 0;
}

void proc_table_set_lazy_session(struct proc_table *pt, int on)
{
	pt->lazy_session = on != 0;
}

int64_t proc_table_session(struct proc_table *pt, const struct proc *p)
{
	struct pt_entry *e = (struct pt_entry *)(void *)p;
	struct procfs_stat st;

	if (!p || !e->sid_pending || pt->mode != PROC_TABLE_LIVE || e->dead)
		return p ? p->sid : KEV_UNSET;
	e->sid_pending = 0;
	pt->counters.procfs_reads++;
	if (procfs_read_stat(PT_PROCROOT, p->pid, &st) < 0 || !pt_same_start(e, st.start_ns))
		return p->sid; /* gone, or another process holds the pid now */
	e->p.sid = st.sid;
	if (e->start_kind != PT_START_PROCFS) {
		e->p.start = st.start_ns;
		e->start_kind = PT_START_PROCFS;
	}
	return e->p.sid;
}
