/*
 * fields_falco.c — the rest of Falco's syscall-source fields: those audit
 * data can still give (evt.source, syscall.type, fs.path.*, evt.is_io ...)
 * with their extractors, and those it cannot, listed with the reason so a
 * rule naming one is skipped (shown by -L) instead of failing to load.
 * field_lookup() (fields.c) searches this table after the main one.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>

#include "engine/fields_int.h"
#include "proc/proc.h"

#define NS_PER_S 1000000000ull

static int sc_in(const struct kevent *ev, const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (fld_sc_is(ev, names[i]))
			return 1;
	return 0;
}

static const char *const io_read_sc[] = {"read",     "readv",   "pread64",  "preadv", "preadv2",
                                         "recvfrom", "recvmsg", "recvmmsg", NULL};
static const char *const io_write_sc[] = {"write",  "writev",  "pwrite64", "pwritev", "pwritev2",
                                          "sendto", "sendmsg", "sendmmsg", NULL};
static const char *const wait_sc[] = {"nanosleep", "clock_nanosleep", "select",     "pselect6",
                                      "poll",      "ppoll",           "epoll_wait", "epoll_pwait",
                                      "wait4",     "waitid",          NULL};

FIELD_FN(f_evt_source)
{
	return fval_str(v, "syscall");
}

FIELD_FN(f_evt_type_is)
{
	v->n = r->arg && fld_sc_is(c->ev, r->arg);
	return 1;
}

FIELD_FN(f_evt_is_io_read)
{
	v->n = sc_in(c->ev, io_read_sc);
	return 1;
}

FIELD_FN(f_evt_is_io_write)
{
	v->n = sc_in(c->ev, io_write_sc);
	return 1;
}

FIELD_FN(f_evt_is_io)
{
	v->n = sc_in(c->ev, io_read_sc) || sc_in(c->ev, io_write_sc);
	return 1;
}

FIELD_FN(f_evt_is_wait)
{
	v->n = sc_in(c->ev, wait_sc);
	return 1;
}

FIELD_FN(f_evt_is_open_create)
{
	fctx_cls(c);
	v->n = c->is_open && c->oflags >= 0 && (c->oflags & O_CREAT);
	return 1;
}

FIELD_FN(f_evt_rawtime_s)
{
	v->n = (int64_t)(c->ev->time_ns / NS_PER_S);
	return 1;
}

FIELD_FN(f_evt_rawtime_ns)
{
	v->n = (int64_t)(c->ev->time_ns % NS_PER_S);
	return 1;
}

/* The source of a two-path syscall (rename, link): the DELETE item or the
 * first non-parent one; the target: the CREATE item. */
static const struct kev_path *source_path(const struct kevent *ev)
{
	const struct kev_path *p = fld_path_of_type(ev, "DELETE");
	return p ? p : fld_main_path(ev);
}

static int path_value(struct fctx *c, const struct kev_path *p, int abs, struct fval *v,
                      struct buf *b)
{
	if (!p)
		return 0;
	if (!abs)
		return fval_str(v, p->name);
	if (fld_path_name(b, c->ev, p) < 0)
		return 0;
	return fval_buf(v, b);
}

FIELD_FN(f_evt_abspath)
{
	return path_value(c, fld_main_path(c->ev), 1, v, b);
}

FIELD_FN(f_fs_path_name)
{
	return path_value(c, fld_main_path(c->ev), 1, v, b);
}

FIELD_FN(f_fs_path_nameraw)
{
	return path_value(c, fld_main_path(c->ev), 0, v, b);
}

FIELD_FN(f_fs_path_source)
{
	return path_value(c, source_path(c->ev), 1, v, b);
}

FIELD_FN(f_fs_path_sourceraw)
{
	return path_value(c, source_path(c->ev), 0, v, b);
}

FIELD_FN(f_fs_path_target)
{
	return path_value(c, fld_path_of_type(c->ev, "CREATE"), 1, v, b);
}

FIELD_FN(f_fs_path_targetraw)
{
	return path_value(c, fld_path_of_type(c->ev, "CREATE"), 0, v, b);
}

FIELD_FN(f_proc_cmdnargs)
{
	const struct proc *p = fctx_proc(c);

	if (!p || p->argc <= 0)
		return 0;
	v->n = p->argc - 1;
	return 1;
}

FIELD_FN(f_proc_cmdlenargs)
{
	const struct proc *p = fctx_proc(c);

	if (!p || !p->argv)
		return 0;
	v->n = 0;
	for (int i = 1; i < p->argc; i++)
		v->n += (int64_t)strlen(p->argv[i]);
	return 1;
}

FIELD_FN(f_proc_exeline)
{
	const struct proc *p = fctx_proc(c);

	if (!p || !p->argv || p->argc <= 0)
		return 0;
	b->len = 0;
	for (int i = 0; i < p->argc; i++)
		if ((i && buf_append(b, " ", 1) < 0) ||
		    buf_append(b, p->argv[i], strlen(p->argv[i])) < 0)
			return 0;
	return fval_buf(v, b);
}

FIELD_FN(f_proc_is_sid_leader)
{
	const struct proc *p = fctx_proc(c);

	if (!p || p->sid == KEV_UNSET)
		return 0;
	v->n = p->sid == p->pid;
	return 1;
}

#define S FT_STR
#define I FT_INT
#define B FT_BOOL

const struct field_def field_falco_table[] = {
    {"evt.source", S, FA_NONE, f_evt_source, "event source: always syscall"},
    {"syscall.type", S, FA_NONE, f_evt_type, "system call name (as evt.type)"},
    {"evt.abspath", S, FA_NONE, f_evt_abspath,
     "absolute path the syscall names (first non-parent PATH item)"},
    {"fs.path.name", S, FA_NONE, f_fs_path_name, "absolute path the syscall names"},
    {"fs.path.nameraw", S, FA_NONE, f_fs_path_nameraw, "path as passed to the syscall"},
    {"fs.path.source", S, FA_NONE, f_fs_path_source, "absolute source path of rename/link/symlink"},
    {"fs.path.sourceraw", S, FA_NONE, f_fs_path_sourceraw, "source path as passed"},
    {"fs.path.target", S, FA_NONE, f_fs_path_target, "absolute target path of rename/link/symlink"},
    {"fs.path.targetraw", S, FA_NONE, f_fs_path_targetraw, "target path as passed"},
    {"evt.is_open_create", B, FA_NONE, f_evt_is_open_create, "open-like syscall with O_CREAT"},
    {"evt.is_io", B, FA_NONE, f_evt_is_io, "read or write family syscall"},
    {"evt.is_io_read", B, FA_NONE, f_evt_is_io_read, "read family syscall"},
    {"evt.is_io_write", B, FA_NONE, f_evt_is_io_write, "write family syscall"},
    {"evt.is_wait", B, FA_NONE, f_evt_is_wait, "sleeping or waiting syscall"},
    {"evt.rawtime.s", I, FA_NONE, f_evt_rawtime_s, "event time, seconds since the epoch"},
    {"evt.rawtime.ns", I, FA_NONE, f_evt_rawtime_ns, "nanoseconds part of the event time"},
    {"evt.type.is", B, FA_KEY, f_evt_type_is,
     "true when the event is that syscall (evt.type.is.open)"},
    {"proc.cmdnargs", I, FA_NONE, f_proc_cmdnargs, "number of command-line arguments"},
    {"proc.cmdlenargs", I, FA_NONE, f_proc_cmdlenargs, "total length of the arguments"},
    {"proc.exeline", S, FA_NONE, f_proc_exeline, "argv[0] and the arguments"},
    {"proc.is_sid_leader", B, FA_NONE, f_proc_is_sid_leader, "process is its session's leader"},
    {"evt.abspath.src", S, FA_NONE, f_fs_path_source, "absolute source path (rename, link)"},
    {"evt.abspath.dst", S, FA_NONE, f_fs_path_target, "absolute target path (rename, link)"},
    /* Falco syscall-source fields audit data cannot supply. */
    {"evt.around", I, FA_KEY, NULL, "events around a time: needs a capture file"},
    {"evt.asynctype", S, FA_NONE, NULL, "plugin and async events: not produced by audit"},
    {"evt.buflen", I, FA_NONE, NULL, "I/O sizes and data: audit never records payloads"},
    {"evt.buflen.file", I, FA_NONE, NULL, "I/O sizes and data: audit never records payloads"},
    {"evt.buflen.file.in", I, FA_NONE, NULL, "I/O sizes and data: audit never records payloads"},
    {"evt.buflen.file.out", I, FA_NONE, NULL, "I/O sizes and data: audit never records payloads"},
    {"evt.buflen.in", I, FA_NONE, NULL, "I/O sizes and data: audit never records payloads"},
    {"evt.buflen.net", I, FA_NONE, NULL, "I/O sizes and data: audit never records payloads"},
    {"evt.buflen.net.in", I, FA_NONE, NULL, "I/O sizes and data: audit never records payloads"},
    {"evt.buflen.net.out", I, FA_NONE, NULL, "I/O sizes and data: audit never records payloads"},
    {"evt.buflen.out", I, FA_NONE, NULL, "I/O sizes and data: audit never records payloads"},
    {"evt.category", S, FA_NONE, NULL, "not in audit records"},
    {"evt.count", I, FA_NONE, NULL, "counters for chisels: not kept"},
    {"evt.count.error", I, FA_NONE, NULL, "counters for chisels: not kept"},
    {"evt.count.error.file", I, FA_NONE, NULL, "counters for chisels: not kept"},
    {"evt.count.error.memory", I, FA_NONE, NULL, "counters for chisels: not kept"},
    {"evt.count.error.net", I, FA_NONE, NULL, "counters for chisels: not kept"},
    {"evt.count.error.other", I, FA_NONE, NULL, "counters for chisels: not kept"},
    {"evt.count.exit", I, FA_NONE, NULL, "counters for chisels: not kept"},
    {"evt.count.procinfo", I, FA_NONE, NULL, "counters for chisels: not kept"},
    {"evt.count.threadinfo", I, FA_NONE, NULL, "counters for chisels: not kept"},
    {"evt.datetime.s", S, FA_NONE, NULL, "not in audit records"},
    {"evt.deltatime", I, FA_NONE, NULL, "latency: audit has no enter events"},
    {"evt.deltatime.ns", I, FA_NONE, NULL, "latency: audit has no enter events"},
    {"evt.deltatime.s", I, FA_NONE, NULL, "latency: audit has no enter events"},
    {"evt.info", S, FA_NONE, NULL, "sinsp text rendering: not produced"},
    {"evt.infra.docker.container.id", S, FA_NONE, NULL,
     "infrastructure events: not produced by audit"},
    {"evt.infra.docker.container.image", S, FA_NONE, NULL,
     "infrastructure events: not produced by audit"},
    {"evt.infra.docker.container.name", S, FA_NONE, NULL,
     "infrastructure events: not produced by audit"},
    {"evt.infra.docker.name", S, FA_NONE, NULL, "infrastructure events: not produced by audit"},
    {"evt.io_dir", S, FA_NONE, NULL, "I/O sizes and data: audit never records payloads"},
    {"evt.is_async", B, FA_NONE, NULL, "plugin and async events: not produced by audit"},
    {"evt.is_syslog", B, FA_NONE, NULL, "I/O sizes and data: audit never records payloads"},
    {"evt.latency.human", S, FA_NONE, NULL, "latency: audit has no enter events"},
    {"evt.latency.ns", I, FA_NONE, NULL, "latency: audit has no enter events"},
    {"evt.latency.quantized", I, FA_NONE, NULL, "latency: audit has no enter events"},
    {"evt.latency.s", I, FA_NONE, NULL, "latency: audit has no enter events"},
    {"evt.outputtime", S, FA_NONE, NULL, "sinsp text rendering: not produced"},
    {"evt.plugininfo", S, FA_NONE, NULL, "plugin and async events: not produced by audit"},
    {"evt.pluginname", S, FA_NONE, NULL, "plugin and async events: not produced by audit"},
    {"evt.reltime", I, FA_NONE, NULL, "latency: audit has no enter events"},
    {"evt.reltime.ns", I, FA_NONE, NULL, "latency: audit has no enter events"},
    {"evt.reltime.s", I, FA_NONE, NULL, "latency: audit has no enter events"},
    {"evt.time.s", S, FA_NONE, NULL, "not in audit records"},
    {"evt.wait_latency", I, FA_NONE, NULL, "latency: audit has no enter events"},
    {"fd.containerdirectory", S, FA_NONE, NULL, "per-fd state: no fd table"},
    {"fd.containername", S, FA_NONE, NULL, "per-fd state: no fd table"},
    {"fd.cproto", S, FA_NONE, NULL, "per-fd state: no fd table"},
    {"fd.dev.major", I, FA_NONE, NULL, "per-fd state: no fd table"},
    {"fd.dev.minor", I, FA_NONE, NULL, "per-fd state: no fd table"},
    {"fd.is_lower_layer", B, FA_NONE, NULL, "per-fd state: no fd table"},
    {"fd.is_server", B, FA_NONE, f_fd_is_server, "listening or accepted socket (fd table)"},
    {"fd.is_upper_layer", B, FA_NONE, NULL, "per-fd state: no fd table"},
    {"fd.lproto", S, FA_NONE, NULL, "per-fd state: no fd table"},
    {"fd.proto", I, FA_NONE, NULL, "per-fd state: no fd table"},
    {"fd.rproto", S, FA_NONE, NULL, "per-fd state: no fd table"},
    {"fd.sproto", S, FA_NONE, NULL, "per-fd state: no fd table"},
    {"fd.uid", S, FA_NONE, NULL, "per-fd state: no fd table"},
    {"fdlist.cips", S, FA_NONE, NULL, "poll fd lists: audit records no fd sets"},
    {"fdlist.cports", S, FA_NONE, NULL, "poll fd lists: audit records no fd sets"},
    {"fdlist.names", S, FA_NONE, NULL, "poll fd lists: audit records no fd sets"},
    {"fdlist.nums", S, FA_NONE, NULL, "poll fd lists: audit records no fd sets"},
    {"fdlist.sips", S, FA_NONE, NULL, "poll fd lists: audit records no fd sets"},
    {"fdlist.sports", S, FA_NONE, NULL, "poll fd lists: audit records no fd sets"},
    {"proc.aargs", S, FA_NONE, NULL, "process state audit records do not carry"},
    {"proc.aenv", S, FA_NONE, NULL, "process state audit records do not carry"},
    {"proc.fdlimit", I, FA_NONE, NULL, "process state audit records do not carry"},
    {"proc.fdopencount", I, FA_NONE, NULL, "process state audit records do not carry"},
    {"proc.fdusage", I, FA_NONE, NULL, "process state audit records do not carry"},
    {"proc.is_pgid_leader", B, FA_NONE, NULL, "process state audit records do not carry"},
    {"proc.loginshellid", I, FA_NONE, NULL, "process state audit records do not carry"},
    {"proc.nchilds", I, FA_NONE, NULL, "process state audit records do not carry"},
    {"proc.nthreads", I, FA_NONE, NULL, "process state audit records do not carry"},
    {"proc.pgid", I, FA_NONE, NULL, "process state audit records do not carry"},
    {"proc.pgid.exe", S, FA_NONE, NULL, "process state audit records do not carry"},
    {"proc.pgid.exepath", S, FA_NONE, NULL, "process state audit records do not carry"},
    {"proc.pgid.name", S, FA_NONE, NULL, "process state audit records do not carry"},
    {"proc.pidns_init_start_ts", I, FA_NONE, NULL, "process state audit records do not carry"},
    {"proc.ppid.ts", I, FA_NONE, NULL, "process state audit records do not carry"},
    {"proc.pvpid", I, FA_NONE, NULL, "process state audit records do not carry"},
    {"proc.sid.exe", S, FA_NONE, NULL, "not in audit records"},
    {"proc.sid.exepath", S, FA_NONE, NULL, "not in audit records"},
    {"proc.stderr.name", S, FA_NONE, NULL, "process state audit records do not carry"},
    {"proc.stderr.type", S, FA_NONE, NULL, "process state audit records do not carry"},
    {"proc.vmrss", I, FA_NONE, NULL, "process state audit records do not carry"},
    {"proc.vmsize", I, FA_NONE, NULL, "process state audit records do not carry"},
    {"proc.vmswap", I, FA_NONE, NULL, "process state audit records do not carry"},
    {"proc.vpgid.exepath", S, FA_NONE, NULL, "process state audit records do not carry"},
    {"thread.cgroup", S, FA_NONE, NULL, "thread accounting: not in audit records"},
    {"thread.cgroups", S, FA_NONE, NULL, "thread accounting: not in audit records"},
    {"thread.cpu", I, FA_NONE, NULL, "thread accounting: not in audit records"},
    {"thread.cpu.system", I, FA_NONE, NULL, "thread accounting: not in audit records"},
    {"thread.cpu.user", I, FA_NONE, NULL, "thread accounting: not in audit records"},
    {"thread.exectime", I, FA_NONE, NULL, "thread accounting: not in audit records"},
    {"thread.ismain", B, FA_NONE, NULL, "thread accounting: not in audit records"},
    {"thread.nametid", S, FA_NONE, NULL, "thread accounting: not in audit records"},
    {"thread.pfmajor", I, FA_NONE, NULL, "thread accounting: not in audit records"},
    {"thread.pfminor", I, FA_NONE, NULL, "thread accounting: not in audit records"},
    {"thread.totexectime", I, FA_NONE, NULL, "thread accounting: not in audit records"},
    {"thread.vmrss", I, FA_NONE, NULL, "thread accounting: not in audit records"},
    {"thread.vmrss.b", I, FA_NONE, NULL, "thread accounting: not in audit records"},
    {"thread.vmsize", I, FA_NONE, NULL, "thread accounting: not in audit records"},
    {"thread.vmsize.b", I, FA_NONE, NULL, "thread accounting: not in audit records"},
    {"thread.vtid", I, FA_NONE, NULL, "thread accounting: not in audit records"},
    {NULL, 0, 0, NULL, NULL},
};
