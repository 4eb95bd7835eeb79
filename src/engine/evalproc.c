/*
 * evalproc.c — engine_eval(): evaluation with kestrel's process table as
 * the source of process and container context. Kept apart from engine.c so
 * programs that bring their own context (tests, benchmarks) do not link the
 * process table.
 */
#include "engine/engine.h"
#include "proc/proc.h"

static const struct proc *pt_self(void *ctx, const struct kevent *ev)
{
	if (ev->proc)
		return ev->proc;
	return ev->pid > 0 ? proc_table_get(ctx, ev->pid) : NULL;
}

static const struct proc *pt_get(void *ctx, int64_t pid)
{
	return proc_table_get(ctx, pid);
}

static const struct proc *pt_parent(void *ctx, const struct proc *p)
{
	return proc_table_parent(ctx, p);
}

static const struct container_info *pt_container(void *ctx, const struct proc *p)
{
	return proc_table_container(ctx, p);
}

static const struct engine_procsrc proc_table_src = {
    .self = pt_self,
    .get = pt_get,
    .parent = pt_parent,
    .container = pt_container,
};

int engine_eval(struct engine *e, const struct kevent *ev, struct proc_table *pt,
                engine_emit_fn emit, void *arg)
{
	return engine_eval_with(e, ev, pt ? &proc_table_src : NULL, pt, emit, arg);
}
