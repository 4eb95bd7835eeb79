/*
 * fields_proc.c — extractors of the proc.* and thread.* fields: the event's
 * process, its parent and ancestors from the process source (event data
 * first, process table second). Capabilities come through the engine's
 * caps hook; nothing here reads /proc.
 */
#define _GNU_SOURCE
#include <cap-ng.h>
#include <ctype.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc/container.h"
#include "proc/proc.h"

#include "engine/fields_int.h"

/* ---- proc.* ---- */

static const char *proc_name_of(struct fctx *c, const struct proc *p)
{
	if (p == fctx_proc(c) && c->ev->comm)
		return c->ev->comm;
	return p && p->comm[0] ? p->comm : NULL;
}

/* Arguments of a process: for the event's own exec, from the event. */
static void proc_argv(struct fctx *c, const struct proc *p, int *argc, const char *const **argv)
{
	if (p == fctx_proc(c) && fctx_cls(c)->is_exec && c->ev->nargv > 0) {
		*argc = c->ev->nargv;
		*argv = c->ev->argv;
		return;
	}
	if (p && p->argv) {
		*argc = p->argc;
		*argv = (const char *const *)p->argv;
		return;
	}
	*argc = 0;
	*argv = NULL;
}

static int join_args(struct buf *b, int argc, const char *const *argv, int from)
{
	for (int i = from; i < argc; i++) {
		if (i > from)
			buf_append(b, " ", 1);
		buf_append(b, argv[i], strlen(argv[i]));
	}
	return 0;
}

static int proc_known(struct fctx *c, const struct proc *p)
{
	return p != NULL || (p == fctx_proc(c) && c->ev->has_syscall);
}

static int cmdline_of(struct fctx *c, const struct proc *p, struct fval *v, struct buf *b)
{
	const char *name = proc_name_of(c, p);
	int argc;
	const char *const *argv;

	if (!name)
		return 0;
	proc_argv(c, p, &argc, &argv);
	buf_set(b, name, strlen(name));
	if (argc > 1) {
		buf_append(b, " ", 1);
		join_args(b, argc, argv, 1);
	}
	return fval_buf(v, b);
}

static const char *exe_of(struct fctx *c, const struct proc *p)
{
	int argc;
	const char *const *argv;

	if (p && p->exe && !(p == fctx_proc(c) && fctx_cls(c)->is_exec && c->ev->nargv > 0))
		return p->exe;
	proc_argv(c, p, &argc, &argv);
	return argc > 0 ? argv[0] : NULL;
}

static const char *exepath_of(struct fctx *c, const struct proc *p)
{
	if (p == fctx_proc(c) && c->ev->exe)
		return c->ev->exe;
	return p ? p->exepath : NULL;
}

int f_proc_name(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	if (!fctx_proc(c) && c->ev->comm)
		return fval_str(v, c->ev->comm);
	return fval_str(v, proc_name_of(c, fctx_proc(c)));
}

int f_proc_exe(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	return fval_str(v, exe_of(c, fctx_proc(c)));
}

int f_proc_exepath(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	if (!fctx_proc(c))
		return fval_str(v, c->ev->exe);
	return fval_str(v, exepath_of(c, fctx_proc(c)));
}

int f_proc_args(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	int argc;
	const char *const *argv;

	if (!proc_known(c, fctx_proc(c)))
		return 0;
	proc_argv(c, fctx_proc(c), &argc, &argv);
	b->len = 0;
	buf_set(b, "", 0);
	join_args(b, argc, argv, 1);
	return fval_buf(v, b);
}

int f_proc_cmdline(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	if (!fctx_proc(c) && c->ev->comm) {
		const char *const *argv = c->ev->argv;
		buf_set(b, c->ev->comm, strlen(c->ev->comm));
		if (fctx_cls(c)->is_exec && c->ev->nargv > 1) {
			buf_append(b, " ", 1);
			join_args(b, c->ev->nargv, argv, 1);
		}
		return fval_buf(v, b);
	}
	return cmdline_of(c, fctx_proc(c), v, b);
}

int f_proc_pid(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	if (c->ev->pid != KEV_UNSET && c->ev->has_syscall)
		return fval_num(v, c->ev->pid);
	return fctx_proc(c) ? fval_num(v, fctx_proc(c)->pid) : 0;
}

int f_proc_ppid(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	if (c->ev->ppid != KEV_UNSET && c->ev->has_syscall)
		return fval_num(v, c->ev->ppid);
	return fctx_proc(c) ? fval_num(v, fctx_proc(c)->ppid) : 0;
}

int f_proc_vpid(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	return fctx_proc(c) ? fval_num(v, fctx_proc(c)->vpid) : 0;
}

int f_proc_sid(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	return fctx_proc(c) ? fval_num(v, fctx_proc(c)->sid) : 0;
}

int f_proc_sname(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	const struct proc *p = fctx_proc(c), *l;

	if (!p || p->sid == KEV_UNSET || !c->ps || !c->ps->get)
		return 0;
	if (p->sid == p->pid)
		return fval_str(v, proc_name_of(c, p));
	l = c->ps->get(c->psctx, p->sid);
	return l ? fval_str(v, l->comm) : 0;
}

/* tty_nr from an audit tty name ("pts3", "tty1", "(none)"): the process
 * table's mapping, KEV_UNSET for a name it does not know. */
static int64_t tty_from_name(const char *t)
{
	int64_t n = t ? proc_tty_from_name(t) : -1;
	return n < 0 ? KEV_UNSET : n;
}

int f_proc_tty(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	const struct proc *p = fctx_proc(c);

	if (p && p->tty != KEV_UNSET)
		return fval_num(v, p->tty);
	return fval_num(v, tty_from_name(c->ev->tty));
}

/* Falco keeps a thread's cwd with a trailing '/' (rules test
 * `proc.cwd startswith "/dev/shm/"`). */
int f_proc_cwd(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	const char *cwd = c->ev->cwd ? c->ev->cwd : fctx_proc(c) ? fctx_proc(c)->cwd : NULL;
	size_t n;

	if (!cwd)
		return 0;
	n = strlen(cwd);
	if (n && cwd[n - 1] == '/')
		return fval_str(v, cwd);
	buf_set(b, cwd, n);
	buf_append(b, "/", 1);
	return fval_buf(v, b);
}

int f_proc_duration(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	const struct proc *p = fctx_proc(c);

	if (!p || !p->exec_time_ns || !c->ev->time_ns || c->ev->time_ns < p->exec_time_ns)
		return 0;
	v->n = (int64_t)(c->ev->time_ns - p->exec_time_ns);
	return 1;
}

int f_proc_is_exe_writable(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	const struct proc *p = fctx_proc(c);
	return p ? fval_num(v, p->exe_writable) : 0;
}

/* enum proc_exe_layer (the process table's, at exec). */
static int exe_layer(struct fctx *c)
{
	const struct proc *p = fctx_proc(c);
	return p ? p->exe_layer : PROC_LAYER_UNKNOWN;
}

int f_proc_is_exe_upper_layer(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	int l = exe_layer(c);
	return l == PROC_LAYER_UNKNOWN ? 0 : fval_num(v, l == PROC_LAYER_UPPER);
}

int f_proc_is_exe_lower_layer(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	int l = exe_layer(c);
	return l == PROC_LAYER_UNKNOWN ? 0 : fval_num(v, l == PROC_LAYER_LOWER);
}

static int exe_is_memfd(struct fctx *c)
{
	const char *e = fctx_proc(c) ? exepath_of(c, fctx_proc(c)) : c->ev->exe;
	return e && strncmp(e, "/memfd:", 7) == 0;
}

/* evt.arg.flags of execve/execveat as Falco renders them:
 * "EXE_WRITABLE|EXE_UPPER_LAYER|EXE_FROM_MEMFD", "0" when none; 0 (not
 * present) when not even the writability is known. */
int fld_exe_flags(struct fctx *c, struct buf *b)
{
	const struct proc *p = fctx_proc(c);
	int l = exe_layer(c);
	const char *names[4];
	int n = 0;

	if (p && p->exe_writable == 1)
		names[n++] = "EXE_WRITABLE";
	if (l == PROC_LAYER_UPPER)
		names[n++] = "EXE_UPPER_LAYER";
	if (exe_is_memfd(c))
		names[n++] = "EXE_FROM_MEMFD";
	if (l == PROC_LAYER_LOWER)
		names[n++] = "EXE_LOWER_LAYER";
	if (!n && (!p || p->exe_writable == KEV_UNSET))
		return 0; /* nothing known: not "no flags" */
	b->len = 0;
	if (!n)
		buf_puts(b, "0");
	for (int i = 0; i < n; i++) {
		if (i)
			buf_putc(b, '|');
		buf_puts(b, names[i]);
	}
	return 1;
}

int f_proc_is_exe_from_memfd(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	const char *e = fctx_proc(c) ? exepath_of(c, fctx_proc(c)) : c->ev->exe;
	if (!e)
		return 0;
	v->n = strncmp(e, "/memfd:", 7) == 0;
	return 1;
}

int f_proc_pname(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	const struct proc *pp = fctx_parent(c);
	return pp ? fval_str(v, pp->comm[0] ? pp->comm : NULL) : 0;
}

int f_proc_pexe(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	const struct proc *pp = fctx_parent(c);
	return pp ? fval_str(v, exe_of(c, pp)) : 0;
}

int f_proc_pexepath(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	const struct proc *pp = fctx_parent(c);
	return pp ? fval_str(v, pp->exepath) : 0;
}

int f_proc_pcmdline(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	const struct proc *pp = fctx_parent(c);
	return pp ? cmdline_of(c, pp, v, b) : 0;
}

/* proc.aname[N] etc.: N = 0 is the process itself. Without index the
 * evaluator walks ancestors (see compile.c) passing iarg per level. */
int f_proc_aname(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	const struct proc *p = fctx_ancestor(c, r->iarg < 0 ? 1 : r->iarg);
	if (!p)
		return 0;
	if (r->iarg == 0)
		return f_proc_name(c, r, v, b);
	return fval_str(v, p->comm[0] ? p->comm : NULL);
}

int f_proc_apid(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	const struct proc *p = fctx_ancestor(c, r->iarg < 0 ? 1 : r->iarg);
	return p ? fval_num(v, p->pid) : 0;
}

int f_proc_aexe(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	const struct proc *p = fctx_ancestor(c, r->iarg < 0 ? 1 : r->iarg);
	return p ? fval_str(v, exe_of(c, p)) : 0;
}

int f_proc_aexepath(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	const struct proc *p = fctx_ancestor(c, r->iarg < 0 ? 1 : r->iarg);
	return p ? fval_str(v, exepath_of(c, p)) : 0;
}

int f_proc_acmdline(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	const struct proc *p = fctx_ancestor(c, r->iarg < 0 ? 1 : r->iarg);
	return p ? cmdline_of(c, p, v, b) : 0;
}

/* The process's capability set: from its BPRM_FCAPS/CAPSET records, else
 * this machine's /proc (live), else, in replay, the full set for root on
 * the host (no record restricts it). 1 with *caps, or 0 when unknown. */
static int caps_of(struct fctx *c, enum engine_capset which, uint64_t *caps)
{
	const struct proc *p = fctx_proc(c);

	if (p && p->caps_known) {
		*caps = which == ENGINE_CAP_PERMITTED     ? p->cap_prm
		        : which == ENGINE_CAP_INHERITABLE ? p->cap_inh
		                                          : p->cap_eff;
		return 1;
	}
	if (engine_caps(c->engine, c->ev->pid, which, caps))
		return 1;
	const struct container_info *ct = fctx_ct(c);
	if (c->engine->live || c->ev->euid != 0 || !ct || ct->type != CT_HOST ||
	    which == ENGINE_CAP_INHERITABLE)
		return 0;
	*caps = (2ull << CAP_LAST_CAP) - 1;
	return 1;
}

int f_thread_cap_effective(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	/* thread.cap_effective / cap_permitted / cap_inheritable */
	enum engine_capset which = strstr(r->def->name, "permitted")     ? ENGINE_CAP_PERMITTED
	                           : strstr(r->def->name, "inheritable") ? ENGINE_CAP_INHERITABLE
	                                                                 : ENGINE_CAP_EFFECTIVE;
	uint64_t caps = 0;

	if (!caps_of(c, which, &caps))
		return 0;
	b->len = 0;
	buf_set(b, "", 0);
	for (int i = 0; i <= CAP_LAST_CAP; i++) {
		if (!(caps & (1ull << i)))
			continue;
		const char *cname = capng_capability_to_name((unsigned)i);
		if (!cname)
			continue;
		if (b->len)
			buf_append(b, " ", 1);
		buf_append(b, "CAP_", 4);
		for (const char *s = cname; *s; s++) {
			char u = (char)toupper((unsigned char)*s);
			buf_append(b, &u, 1);
		}
	}
	return fval_buf(v, b);
}
