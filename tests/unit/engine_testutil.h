/*
 * engine_testutil.h — helpers shared by the rule-engine unit tests: a small
 * hand-built process world (processes, parents, containers) served to the
 * engine through struct engine_procsrc, event builders, and alert capture.
 */
#ifndef KESTREL_TEST_ENGINE_UTIL_H
#define KESTREL_TEST_ENGINE_UTIL_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/cli.h"
#include "engine/engine.h"
#include "proc/container.h"
#include "proc/proc.h"

#define TW_MAX_PROCS 16
#define TW_MAX_ALERTS 16
#define TW_TEXT 2048

struct test_world {
	struct proc procs[TW_MAX_PROCS];
	const struct container_info *ct[TW_MAX_PROCS];
	int n;
};

static inline struct proc *tw_add(struct test_world *w, int64_t pid, int64_t ppid, const char *comm,
                                  const char *exepath, const struct container_info *ct)
{
	struct proc *p = &w->procs[w->n];

	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->ppid = ppid;
	p->vpid = KEV_UNSET;
	p->sid = KEV_UNSET;
	snprintf(p->comm, sizeof(p->comm), "%s", comm);
	p->exepath = (char *)exepath;
	p->exe = (char *)exepath;
	p->tty = 0;
	p->exe_writable = KEV_UNSET;
	p->container = ct;
	w->ct[w->n++] = ct;
	return p;
}

static inline const struct proc *tw_get(void *ctx, int64_t pid)
{
	struct test_world *w = ctx;

	for (int i = 0; i < w->n; i++)
		if (w->procs[i].pid == pid)
			return &w->procs[i];
	return NULL;
}

static inline const struct proc *tw_self(void *ctx, const struct kevent *ev)
{
	return tw_get(ctx, ev->pid);
}

static inline const struct proc *tw_parent(void *ctx, const struct proc *p)
{
	return p->ppid > 0 && p->ppid != p->pid ? tw_get(ctx, p->ppid) : NULL;
}

static const struct container_info tw_host = {.type = CT_HOST, .id = "host", .privileged = -1};

static inline const struct container_info *tw_container(void *ctx, const struct proc *p)
{
	return p->container ? p->container : &tw_host;
}

static const struct engine_procsrc tw_src = {
    .self = tw_self,
    .get = tw_get,
    .parent = tw_parent,
    .container = tw_container,
};

/* A blank syscall event of pid (exit 0, success). */
static inline struct kevent tw_event(const char *syscall, int64_t pid, int64_t ppid,
                                     const char *comm, const char *exe)
{
	struct kevent ev;

	memset(&ev, 0, sizeof(ev));
	ev.time_ns = 1700000000123456789ull;
	ev.serial = 42;
	ev.has_syscall = 1;
	ev.arch = 0xc000003e;
	ev.syscall = 59;
	ev.syscall_name = syscall;
	ev.success = 1;
	ev.exit = 0;
	ev.pid = pid;
	ev.ppid = ppid;
	ev.uid = ev.euid = ev.suid = ev.fsuid = 0;
	ev.gid = ev.egid = ev.sgid = ev.fsgid = 0;
	ev.auid = KEV_ID_UNSET;
	ev.ses = KEV_ID_UNSET;
	ev.tty = "(none)";
	ev.comm = comm;
	ev.exe = exe;
	return ev;
}

struct capture {
	int n;
	char rule[TW_MAX_ALERTS][256];
	char output[TW_MAX_ALERTS][TW_TEXT];
	int priority[TW_MAX_ALERTS];
	int nfields[TW_MAX_ALERTS];
	char field0[TW_MAX_ALERTS][128];
};

static inline void capture_cb(const struct alert *a, void *arg)
{
	struct capture *c = arg;

	if (c->n >= TW_MAX_ALERTS)
		return;
	snprintf(c->rule[c->n], sizeof(c->rule[0]), "%s", a->rule);
	snprintf(c->output[c->n], sizeof(c->output[0]), "%s", a->output);
	c->priority[c->n] = a->priority;
	c->nfields[c->n] = a->nfields;
	snprintf(c->field0[c->n], sizeof(c->field0[0]), "%s", a->nfields ? a->fields[0].name : "");
	c->n++;
}

/* Loads YAML text as "test.yaml" without append_output. Returns the
 * engine (compiled) or NULL with the diagnostics in *dout. */
static inline struct engine *tw_load(const char *yaml, struct engine_diag **dout)
{
	struct engine *e = engine_new();
	struct engine_diag *d = engine_diag_new();

	engine_set_append_output(e, NULL);
	engine_add_buffer(e, "test.yaml", yaml, strlen(yaml), d);
	if (engine_compile(e, d) < 0) {
		engine_free(e);
		e = NULL;
	}
	if (dout)
		*dout = d;
	else
		engine_diag_free(d);
	return e;
}

/* One rule named "r" with the given condition; -1 when it does not load. */
static inline int tw_matches(const char *cond, struct test_world *w, const struct kevent *ev)
{
	char yaml[8192];
	struct capture cap = {0};
	struct engine_diag *d;
	struct engine *e;

	snprintf(yaml, sizeof(yaml),
	         "- rule: r\n  desc: d\n  condition: |-\n    %s\n  output: out\n"
	         "  priority: WARNING\n",
	         cond);
	e = tw_load(yaml, &d);
	if (!e) {
		engine_diag_print(d, stderr);
		engine_diag_free(d);
		return -1;
	}
	engine_diag_free(d);
	engine_eval_with(e, ev, &tw_src, w, capture_cb, &cap);
	engine_free(e);
	return cap.n;
}

/* Path of a file under the repository (KESTREL_SRCDIR). */
static inline const char *tw_srcpath(char *buf, size_t n, const char *rel)
{
	const char *src = getenv("KESTREL_SRCDIR");

	snprintf(buf, n, "%s/%s", src ? src : ".", rel);
	return buf;
}

/* Captures what fn prints to a FILE* into buf. */
#define TW_CAPTURE(buf, n, stmt)                                                                   \
	do {                                                                                       \
		FILE *out = fmemopen((buf), (n), "w");                                             \
		stmt;                                                                              \
		fclose(out);                                                                       \
	} while (0)

#endif
