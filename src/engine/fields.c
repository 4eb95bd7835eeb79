/*
 * fields.c — the field table: every field a condition or output may name,
 * with its type, description and extractor over kevent + process +
 * container. Falco fields that audit data cannot supply are listed with a
 * NULL extractor so rules naming them are skipped with a clear reason
 * instead of failing to load. See fields.h.
 */
#define _GNU_SOURCE
#include <cap-ng.h>
#include <ctype.h>
#include <linux/capability.h>
#include <errno.h>
#include <fcntl.h>
#include <libaudit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "engine/engine_int.h"
#include "engine/fields.h"
#include "proc/container.h"
#include "proc/proc.h"
#include "proc/proctable_ext.h"

/* Largest formatted number/flag string produced without a buffer. */
#define FIELD_NUMBUF 64
/* The kernel's O_LARGEFILE on x86 (glibc defines it as 0 on 64-bit). */
#define KERNEL_O_LARGEFILE 0100000
/* /proc/<pid>/status is about 1.5 KiB; CapEff is in its first half. */
#define FIELD_STATUS_MAX 4096

/* ---- buffers ---- */

static int fbuf_reserve(struct fbuf *b, size_t need)
{
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

int fbuf_set(struct fbuf *b, const char *s, size_t n)
{
	b->len = 0;
	return fbuf_append(b, s, n);
}

int fbuf_append(struct fbuf *b, const char *s, size_t n)
{
	if (fbuf_reserve(b, b->len + n + 1) < 0)
		return -1;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

void fbuf_free(struct fbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

static int set_str(struct fval *v, const char *s)
{
	if (!s)
		return 0;
	v->s = s;
	v->len = strlen(s);
	return 1;
}

static int set_buf(struct fval *v, struct fbuf *b)
{
	v->s = b->p ? b->p : "";
	v->len = b->len;
	return 1;
}

static int set_num(struct fval *v, int64_t n)
{
	if (n == KEV_UNSET)
		return 0;
	v->n = n;
	return 1;
}

/* ---- lazy context ---- */

void fctx_reset(struct fctx *c, const struct kevent *ev)
{
	c->ev = ev;
	c->have_proc = c->have_parent = c->have_ct = c->have_cls = 0;
	c->proc = c->parent = NULL;
	c->ct = NULL;
}

static const struct proc *ctx_proc(struct fctx *c)
{
	if (!c->have_proc) {
		c->have_proc = 1;
		if (c->ps && c->ps->self)
			c->proc = c->ps->self(c->psctx, c->ev);
	}
	return c->proc;
}

static const struct proc *ctx_parent(struct fctx *c)
{
	if (!c->have_parent) {
		const struct proc *p = ctx_proc(c);
		c->have_parent = 1;
		if (p && c->ps && c->ps->parent)
			c->parent = c->ps->parent(c->psctx, p);
		else if (!p && c->ps && c->ps->get && c->ev->ppid > 0)
			c->parent = c->ps->get(c->psctx, c->ev->ppid);
	}
	return c->parent;
}

const struct proc *fctx_ancestor(struct fctx *c, int64_t n)
{
	const struct proc *p;

	if (n <= 0)
		return ctx_proc(c);
	p = ctx_parent(c);
	for (int64_t i = 1; p && i < n; i++)
		p = c->ps && c->ps->parent ? c->ps->parent(c->psctx, p) : NULL;
	return p;
}

static const struct container_info *ctx_ct(struct fctx *c)
{
	if (!c->have_ct) {
		const struct proc *p = ctx_proc(c);
		c->have_ct = 1;
		if (p && c->ps && c->ps->container)
			c->ct = c->ps->container(c->psctx, p);
		else if (p)
			c->ct = p->container;
	}
	return c->ct;
}

/* ---- syscall classes ---- */

static int sc_is(const struct kevent *ev, const char *name)
{
	return ev->syscall_name && strcmp(ev->syscall_name, name) == 0;
}

static int sc_is_open(const struct kevent *ev)
{
	return sc_is(ev, "open") || sc_is(ev, "openat") || sc_is(ev, "openat2") ||
	       sc_is(ev, "creat") || sc_is(ev, "open_by_handle_at");
}

static int sc_is_exec(const struct kevent *ev)
{
	return sc_is(ev, "execve") || sc_is(ev, "execveat");
}

/* Syscalls whose a0 is a file descriptor. */
static int sc_takes_fd(const struct kevent *ev)
{
	static const char *const names[] = {
	    "connect", "sendto",  "sendmsg", "recvfrom", "recvmsg",  "bind",         "listen",
	    "accept",  "accept4", "dup",     "dup2",     "dup3",     "close",        "read",
	    "write",   "fchmod",  "fchown",  "setns",    "shutdown", "getsockopt",   "setsockopt",
	    "fcntl",   "ioctl",   "mmap",    "sendmmsg", "recvmmsg", "finit_module", NULL,
	};
	if (!ev->syscall_name)
		return 0;
	for (int i = 0; names[i]; i++)
		if (strcmp(ev->syscall_name, names[i]) == 0)
			return 1;
	return 0;
}

/* Open flags: a1 for open, a2 for openat; creat implies them. -1 unknown. */
static int64_t open_flags(const struct kevent *ev)
{
	if (sc_is(ev, "open"))
		return (int64_t)ev->a[1];
	if (sc_is(ev, "openat"))
		return (int64_t)ev->a[2];
	if (sc_is(ev, "creat"))
		return O_CREAT | O_WRONLY | O_TRUNC;
	return -1;
}

/* The syscall's class, computed once per event (strcmp-free afterwards). */
static struct fctx *cls(struct fctx *c)
{
	if (!c->have_cls) {
		c->have_cls = 1;
		c->is_open = sc_is_open(c->ev);
		c->is_exec = !c->is_open && sc_is_exec(c->ev);
		c->takes_fd = !c->is_open && !c->is_exec && sc_takes_fd(c->ev);
		c->is_socket = sc_is(c->ev, "socket");
		c->oflags = c->is_open ? open_flags(c->ev) : -1;
	}
	return c;
}

/* The PATH item an open-like or exec syscall is about: the last one that
 * is not a PARENT item. */
static const struct kev_path *main_path(const struct kevent *ev)
{
	const struct kev_path *best = NULL;

	for (int i = 0; i < ev->npaths; i++) {
		const struct kev_path *p = &ev->paths[i];
		if (!p->name)
			continue;
		if (p->nametype && strcmp(p->nametype, "PARENT") == 0)
			continue;
		if (!best)
			best = p;
	}
	return best;
}

static const struct kev_path *path_of_type(const struct kevent *ev, const char *type)
{
	for (int i = 0; i < ev->npaths; i++)
		if (ev->paths[i].name && ev->paths[i].nametype &&
		    strcmp(ev->paths[i].nametype, type) == 0)
			return &ev->paths[i];
	return NULL;
}

/* Joins cwd and name and removes ".", ".." and repeated slashes. */
static int abs_path(struct fbuf *b, const char *cwd, const char *name)
{
	size_t n;

	b->len = 0;
	if (name[0] != '/' && cwd) {
		if (fbuf_append(b, cwd, strlen(cwd)) < 0 || fbuf_append(b, "/", 1) < 0)
			return -1;
	}
	if (fbuf_append(b, name, strlen(name)) < 0)
		return -1;
	/* Normalise in place. */
	char *s = b->p, *o = b->p;
	n = b->len;
	size_t i = 0;
	while (i < n) {
		if (s[i] == '/') {
			while (i < n && s[i] == '/')
				i++;
			size_t seg = i;
			while (i < n && s[i] != '/')
				i++;
			size_t len = i - seg;
			if (len == 0)
				continue;
			if (len == 1 && s[seg] == '.')
				continue;
			if (len == 2 && s[seg] == '.' && s[seg + 1] == '.') {
				while (o > b->p && *--o != '/')
					;
				continue;
			}
			*o++ = '/';
			memmove(o, s + seg, len);
			o += len;
		} else {
			/* relative without cwd: keep as written */
			return 0;
		}
	}
	if (o == b->p)
		*o++ = '/';
	*o = '\0';
	b->len = (size_t)(o - b->p);
	return 0;
}

/* ---- flag tables ---- */

struct flagname {
	int64_t bit;
	const char *name;
};

static const struct flagname open_flag_names[] = {
    {O_CREAT, "O_CREAT"},         {O_EXCL, "O_EXCL"},         {O_NOCTTY, "O_NOCTTY"},
    {O_TRUNC, "O_TRUNC"},         {O_APPEND, "O_APPEND"},     {O_NONBLOCK, "O_NONBLOCK"},
    {O_DSYNC, "O_DSYNC"},         {O_DIRECT, "O_DIRECT"},     {KERNEL_O_LARGEFILE, "O_LARGEFILE"},
    {O_DIRECTORY, "O_DIRECTORY"}, {O_NOFOLLOW, "O_NOFOLLOW"}, {O_NOATIME, "O_NOATIME"},
    {O_CLOEXEC, "O_CLOEXEC"},     {O_PATH, "O_PATH"},         {0, NULL},
};

static int render_open_flags(struct fbuf *b, int64_t f)
{
	const char *acc = (f & O_ACCMODE) == O_WRONLY ? "O_WRONLY"
	                  : (f & O_ACCMODE) == O_RDWR ? "O_RDWR"
	                                              : "O_RDONLY";

	if (fbuf_set(b, acc, strlen(acc)) < 0)
		return -1;
	for (int i = 0; open_flag_names[i].name; i++) {
		if ((f & open_flag_names[i].bit) != open_flag_names[i].bit)
			continue;
		if (open_flag_names[i].bit == O_DSYNC && (f & O_SYNC) == O_SYNC)
			continue;
		fbuf_append(b, "|", 1);
		fbuf_append(b, open_flag_names[i].name, strlen(open_flag_names[i].name));
	}
	if ((f & O_SYNC) == O_SYNC)
		fbuf_append(b, "|O_SYNC", 7);
	return 0;
}

static const struct flagname ptrace_requests[] = {
    {0, "PTRACE_TRACEME"},
    {1, "PTRACE_PEEKTEXT"},
    {2, "PTRACE_PEEKDATA"},
    {3, "PTRACE_PEEKUSR"},
    {4, "PTRACE_POKETEXT"},
    {5, "PTRACE_POKEDATA"},
    {6, "PTRACE_POKEUSR"},
    {7, "PTRACE_CONT"},
    {8, "PTRACE_KILL"},
    {9, "PTRACE_SINGLESTEP"},
    {12, "PTRACE_GETREGS"},
    {13, "PTRACE_SETREGS"},
    {14, "PTRACE_GETFPREGS"},
    {15, "PTRACE_SETFPREGS"},
    {16, "PTRACE_ATTACH"},
    {17, "PTRACE_DETACH"},
    {18, "PTRACE_GETFPXREGS"},
    {19, "PTRACE_SETFPXREGS"},
    {24, "PTRACE_SYSCALL"},
    {0x4200, "PTRACE_SETOPTIONS"},
    {0x4201, "PTRACE_GETEVENTMSG"},
    {0x4202, "PTRACE_GETSIGINFO"},
    {0x4203, "PTRACE_SETSIGINFO"},
    {0x4204, "PTRACE_GETREGSET"},
    {0x4205, "PTRACE_SETREGSET"},
    {0x4206, "PTRACE_SEIZE"},
    {0x4207, "PTRACE_INTERRUPT"},
    {0x4208, "PTRACE_LISTEN"},
    {0x4209, "PTRACE_PEEKSIGINFO"},
    {0, NULL},
};

static const struct flagname socket_domains[] = {
    {AF_UNIX, "AF_UNIX"},     {AF_INET, "AF_INET"},
    {AF_INET6, "AF_INET6"},   {AF_NETLINK, "AF_NETLINK"},
    {AF_PACKET, "AF_PACKET"}, {AF_BLUETOOTH, "AF_BLUETOOTH"},
    {AF_KEY, "AF_KEY"},       {AF_ALG, "AF_ALG"},
    {AF_VSOCK, "AF_VSOCK"},   {0, NULL},
};

static const struct flagname socket_types[] = {
    {SOCK_STREAM, "SOCK_STREAM"},       {SOCK_DGRAM, "SOCK_DGRAM"}, {SOCK_RAW, "SOCK_RAW"},
    {SOCK_SEQPACKET, "SOCK_SEQPACKET"}, {SOCK_RDM, "SOCK_RDM"},     {0, NULL},
};

static const char *flag_lookup(const struct flagname *t, int64_t v)
{
	for (int i = 0; t[i].name; i++)
		if (t[i].bit == v)
			return t[i].name;
	return NULL;
}

/* ---- evt.* ---- */

static int f_evt_type(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	return set_str(v, c->ev->syscall_name);
}

static int f_evt_num(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	v->n = (int64_t)c->evtnum;
	return 1;
}

static int f_evt_rawres(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	return set_num(v, c->ev->exit);
}

static int f_evt_res(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	int64_t x = c->ev->exit;

	if (x == KEV_UNSET)
		return 0;
	if (x >= 0)
		return set_str(v, "SUCCESS");
	const char *name = strerrorname_np((int)-x);
	if (name)
		return set_str(v, name);
	char tmp[FIELD_NUMBUF];
	snprintf(tmp, sizeof(tmp), "%lld", (long long)x);
	fbuf_set(b, tmp, strlen(tmp));
	return set_buf(v, b);
}

static int f_evt_failed(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	if (c->ev->success < 0)
		return 0;
	v->n = c->ev->success == 0;
	return 1;
}

static int f_evt_dir(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	return set_str(v, "<");
}

static int fmt_time(struct fbuf *b, uint64_t ns, int iso)
{
	time_t s = (time_t)(ns / 1000000000ull);
	struct tm tm;
	char tmp[FIELD_NUMBUF];
	size_t n;

	if (iso) {
		gmtime_r(&s, &tm);
		n = strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(tmp + n, sizeof(tmp) - n, ".%09lluZ",
		         (unsigned long long)(ns % 1000000000ull));
	} else {
		localtime_r(&s, &tm);
		n = strftime(tmp, sizeof(tmp), "%H:%M:%S", &tm);
		snprintf(tmp + n, sizeof(tmp) - n, ".%09llu",
		         (unsigned long long)(ns % 1000000000ull));
	}
	return fbuf_set(b, tmp, strlen(tmp));
}

static int f_evt_time(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	if (!c->ev->time_ns)
		return 0;
	fmt_time(b, c->ev->time_ns, 0);
	return set_buf(v, b);
}

static int f_evt_time_iso(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	if (!c->ev->time_ns)
		return 0;
	fmt_time(b, c->ev->time_ns, 1);
	return set_buf(v, b);
}

static int f_evt_rawtime(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	if (!c->ev->time_ns)
		return 0;
	v->n = (int64_t)c->ev->time_ns;
	return 1;
}

static int f_evt_hostname(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	return set_str(v, engine_hostname(c->engine));
}

static int f_evt_is_open_read(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	int64_t f = cls(c)->oflags;
	if (f < 0)
		return 0;
	v->n = (f & O_ACCMODE) == O_RDONLY || (f & O_ACCMODE) == O_RDWR;
	return 1;
}

static int f_evt_is_open_write(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	int64_t f = cls(c)->oflags;
	if (f < 0)
		return 0;
	v->n = (f & O_ACCMODE) == O_WRONLY || (f & O_ACCMODE) == O_RDWR;
	return 1;
}

static int f_evt_is_open_exec(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	int64_t f = cls(c)->oflags;
	int64_t mode;
	if (f < 0)
		return 0;
	mode = sc_is(c->ev, "openat") ? (int64_t)c->ev->a[3] : (int64_t)c->ev->a[2];
	v->n = (f & O_CREAT) && (mode & (S_IXUSR | S_IXGRP | S_IXOTH));
	return 1;
}

static int num_text(struct fval *v, struct fbuf *b, int64_t n)
{
	char tmp[FIELD_NUMBUF];
	snprintf(tmp, sizeof(tmp), "%lld", (long long)n);
	fbuf_set(b, tmp, strlen(tmp));
	return set_buf(v, b);
}

static int sockaddr_text(const struct kevent *ev, struct fbuf *b)
{
	char tmp[sizeof(ev->sockaddr.addr) + FIELD_NUMBUF];

	if (!ev->has_sockaddr)
		return -1;
	if (ev->sockaddr.family == KEV_SA_INET || ev->sockaddr.family == KEV_SA_INET6)
		snprintf(tmp, sizeof(tmp), "%s:%d", ev->sockaddr.addr, ev->sockaddr.port);
	else
		snprintf(tmp, sizeof(tmp), "%s", ev->sockaddr.addr);
	return fbuf_set(b, tmp, strlen(tmp));
}

/* evt.arg.NAME / evt.arg[N]: decoded arguments of the exit event. */
static int f_evt_arg(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	const struct kevent *ev = c->ev;
	const char *k = r->arg;
	const struct kev_path *p;

	if (!k || !ev->has_syscall)
		return 0;
	if (isdigit((unsigned char)k[0])) {
		long i = strtol(k, NULL, 10);
		if (i < 0 || i >= (long)(sizeof(ev->a) / sizeof(ev->a[0])))
			return 0;
		return num_text(v, b, (int64_t)ev->a[i]);
	}
	if (strcmp(k, "res") == 0 || strcmp(k, "fd") == 0) {
		if (strcmp(k, "fd") == 0 && cls(c)->takes_fd)
			return num_text(v, b, (int64_t)(int32_t)ev->a[0]);
		return ev->exit == KEV_UNSET ? 0 : num_text(v, b, ev->exit);
	}
	if (strcmp(k, "flags") == 0) {
		int64_t f = cls(c)->oflags;
		if (f < 0)
			return 0;
		render_open_flags(b, f);
		return set_buf(v, b);
	}
	if (strcmp(k, "request") == 0) {
		if (!sc_is(ev, "ptrace"))
			return 0;
		const char *n = flag_lookup(ptrace_requests, (int64_t)ev->a[0]);
		return n ? set_str(v, n) : num_text(v, b, (int64_t)ev->a[0]);
	}
	if (strcmp(k, "domain") == 0) {
		if (!sc_is(ev, "socket") && !sc_is(ev, "socketpair"))
			return 0;
		const char *n = flag_lookup(socket_domains, (int64_t)ev->a[0]);
		return n ? set_str(v, n) : num_text(v, b, (int64_t)ev->a[0]);
	}
	if (strcmp(k, "type") == 0 && (sc_is(ev, "socket") || sc_is(ev, "socketpair"))) {
		const char *n = flag_lookup(socket_types, (int64_t)(ev->a[1] & 0xf));
		return n ? set_str(v, n) : num_text(v, b, (int64_t)ev->a[1]);
	}
	if (strcmp(k, "addr") == 0 || strcmp(k, "tuple") == 0) {
		if (sockaddr_text(ev, b) < 0)
			return 0;
		return set_buf(v, b);
	}
	if (strcmp(k, "uid") == 0 &&
	    (sc_is(ev, "setuid") || sc_is(ev, "setreuid") || sc_is(ev, "setresuid")))
		return num_text(v, b, (int64_t)(uint32_t)ev->a[0]);
	if (strcmp(k, "pid") == 0 && sc_is(ev, "ptrace"))
		return num_text(v, b, (int64_t)ev->a[1]);
	if (strcmp(k, "pid") == 0 && sc_is(ev, "kill"))
		return num_text(v, b, (int64_t)ev->a[0]);
	if (strcmp(k, "mode") == 0) {
		if (sc_is(ev, "open") || sc_is(ev, "mkdir") || sc_is(ev, "chmod"))
			return num_text(v, b, (int64_t)ev->a[sc_is(ev, "open") ? 2 : 1]);
		if (sc_is(ev, "openat") || sc_is(ev, "mkdirat") || sc_is(ev, "fchmodat"))
			return num_text(v, b, (int64_t)ev->a[sc_is(ev, "openat") ? 3 : 2]);
		if (sc_is(ev, "fchmod"))
			return num_text(v, b, (int64_t)ev->a[1]);
		return 0;
	}
	if (strcmp(k, "target") == 0) {
		p = path_of_type(ev, "UNKNOWN");
		return p ? set_str(v, p->name) : 0;
	}
	if (strcmp(k, "linkpath") == 0 || strcmp(k, "newpath") == 0) {
		p = path_of_type(ev, "CREATE");
		return p ? set_str(v, p->name) : 0;
	}
	if (strcmp(k, "oldpath") == 0) {
		p = path_of_type(ev, "DELETE");
		if (!p)
			p = path_of_type(ev, "NORMAL");
		return p ? set_str(v, p->name) : 0;
	}
	if (strcmp(k, "name") == 0 || strcmp(k, "path") == 0 || strcmp(k, "filename") == 0 ||
	    strcmp(k, "pathname") == 0) {
		if (cls(c)->is_exec && ev->nargv > 0 && strcmp(k, "filename") == 0)
			return ev->exe ? set_str(v, ev->exe) : 0;
		p = path_of_type(ev, "DELETE");
		if (!p)
			p = main_path(ev);
		return p ? set_str(v, p->name) : 0;
	}
	return 0;
}

static int f_evt_rawarg(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	const struct kevent *ev = c->ev;
	const char *k = r->arg;

	if (!k || !ev->has_syscall)
		return 0;
	if (strcmp(k, "flags") == 0) {
		int64_t f = cls(c)->oflags;
		return f < 0 ? 0 : set_num(v, f);
	}
	if (strcmp(k, "res") == 0)
		return set_num(v, ev->exit);
	if (strcmp(k, "request") == 0 && sc_is(ev, "ptrace"))
		return set_num(v, (int64_t)ev->a[0]);
	if (strcmp(k, "domain") == 0 && sc_is(ev, "socket"))
		return set_num(v, (int64_t)ev->a[0]);
	if (strcmp(k, "fd") == 0 && cls(c)->takes_fd)
		return set_num(v, (int64_t)(int32_t)ev->a[0]);
	if (strcmp(k, "uid") == 0 && sc_is(ev, "setuid"))
		return set_num(v, (int64_t)(uint32_t)ev->a[0]);
	return 0;
}

/* evt.args: a compact "name=value" rendering of what the records carry. */
static int f_evt_args(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	const struct kevent *ev = c->ev;
	char tmp[FIELD_NUMBUF * 2];

	if (!ev->has_syscall)
		return 0;
	b->len = 0;
	if (ev->exit != KEV_UNSET) {
		snprintf(tmp, sizeof(tmp), "res=%lld", (long long)ev->exit);
		fbuf_append(b, tmp, strlen(tmp));
	}
	if (sc_is(ev, "socket")) {
		const char *d = flag_lookup(socket_domains, (int64_t)ev->a[0]);
		const char *t = flag_lookup(socket_types, (int64_t)(ev->a[1] & 0xf));
		snprintf(tmp, sizeof(tmp), " domain=%s type=%s proto=%llu", d ? d : "?",
		         t ? t : "?", (unsigned long long)ev->a[2]);
		fbuf_append(b, tmp, strlen(tmp));
	}
	const struct kev_path *p = main_path(ev);
	if (p) {
		fbuf_append(b, " name=", 6);
		fbuf_append(b, p->name, strlen(p->name));
	}
	if (ev->has_sockaddr) {
		char sa[sizeof(ev->sockaddr.addr) + FIELD_NUMBUF];
		if (ev->sockaddr.family == KEV_SA_INET || ev->sockaddr.family == KEV_SA_INET6)
			snprintf(sa, sizeof(sa), " addr=%s:%d", ev->sockaddr.addr,
			         ev->sockaddr.port);
		else
			snprintf(sa, sizeof(sa), " addr=%s", ev->sockaddr.addr);
		fbuf_append(b, sa, strlen(sa));
	}
	if (b->len == 0)
		return 0;
	return set_buf(v, b);
}

/* ---- proc.* ---- */

static const char *proc_name_of(struct fctx *c, const struct proc *p)
{
	if (p == ctx_proc(c) && c->ev->comm)
		return c->ev->comm;
	return p && p->comm[0] ? p->comm : NULL;
}

/* Arguments of a process: for the event's own exec, from the event. */
static void proc_argv(struct fctx *c, const struct proc *p, int *argc, const char *const **argv)
{
	if (p == ctx_proc(c) && cls(c)->is_exec && c->ev->nargv > 0) {
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

static int join_args(struct fbuf *b, int argc, const char *const *argv, int from)
{
	for (int i = from; i < argc; i++) {
		if (i > from)
			fbuf_append(b, " ", 1);
		fbuf_append(b, argv[i], strlen(argv[i]));
	}
	return 0;
}

static int proc_known(struct fctx *c, const struct proc *p)
{
	return p != NULL || (p == ctx_proc(c) && c->ev->has_syscall);
}

static int cmdline_of(struct fctx *c, const struct proc *p, struct fval *v, struct fbuf *b)
{
	const char *name = proc_name_of(c, p);
	int argc;
	const char *const *argv;

	if (!name)
		return 0;
	proc_argv(c, p, &argc, &argv);
	fbuf_set(b, name, strlen(name));
	if (argc > 1) {
		fbuf_append(b, " ", 1);
		join_args(b, argc, argv, 1);
	}
	return set_buf(v, b);
}

static const char *exe_of(struct fctx *c, const struct proc *p)
{
	int argc;
	const char *const *argv;

	if (p && p->exe && !(p == ctx_proc(c) && cls(c)->is_exec && c->ev->nargv > 0))
		return p->exe;
	proc_argv(c, p, &argc, &argv);
	return argc > 0 ? argv[0] : NULL;
}

static const char *exepath_of(struct fctx *c, const struct proc *p)
{
	if (p == ctx_proc(c) && c->ev->exe)
		return c->ev->exe;
	return p ? p->exepath : NULL;
}

static int f_proc_name(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	if (!ctx_proc(c) && c->ev->comm)
		return set_str(v, c->ev->comm);
	return set_str(v, proc_name_of(c, ctx_proc(c)));
}

static int f_proc_exe(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	return set_str(v, exe_of(c, ctx_proc(c)));
}

static int f_proc_exepath(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	if (!ctx_proc(c))
		return set_str(v, c->ev->exe);
	return set_str(v, exepath_of(c, ctx_proc(c)));
}

static int f_proc_args(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	int argc;
	const char *const *argv;

	if (!proc_known(c, ctx_proc(c)))
		return 0;
	proc_argv(c, ctx_proc(c), &argc, &argv);
	b->len = 0;
	fbuf_set(b, "", 0);
	join_args(b, argc, argv, 1);
	return set_buf(v, b);
}

static int f_proc_cmdline(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	if (!ctx_proc(c) && c->ev->comm) {
		const char *const *argv = c->ev->argv;
		fbuf_set(b, c->ev->comm, strlen(c->ev->comm));
		if (cls(c)->is_exec && c->ev->nargv > 1) {
			fbuf_append(b, " ", 1);
			join_args(b, c->ev->nargv, argv, 1);
		}
		return set_buf(v, b);
	}
	return cmdline_of(c, ctx_proc(c), v, b);
}

static int f_proc_pid(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	if (c->ev->pid != KEV_UNSET && c->ev->has_syscall)
		return set_num(v, c->ev->pid);
	return ctx_proc(c) ? set_num(v, ctx_proc(c)->pid) : 0;
}

static int f_proc_ppid(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	if (c->ev->ppid != KEV_UNSET && c->ev->has_syscall)
		return set_num(v, c->ev->ppid);
	return ctx_proc(c) ? set_num(v, ctx_proc(c)->ppid) : 0;
}

static int f_proc_vpid(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	return ctx_proc(c) ? set_num(v, ctx_proc(c)->vpid) : 0;
}

static int f_proc_sid(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	return ctx_proc(c) ? set_num(v, ctx_proc(c)->sid) : 0;
}

static int f_proc_sname(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	const struct proc *p = ctx_proc(c), *l;

	if (!p || p->sid == KEV_UNSET || !c->ps || !c->ps->get)
		return 0;
	if (p->sid == p->pid)
		return set_str(v, proc_name_of(c, p));
	l = c->ps->get(c->psctx, p->sid);
	return l ? set_str(v, l->comm) : 0;
}

/* tty_nr from an audit tty name ("pts3", "tty1", "(none)"): the process
 * table's mapping, KEV_UNSET for a name it does not know. */
static int64_t tty_from_name(const char *t)
{
	int64_t n = t ? proc_tty_from_name(t) : -1;
	return n < 0 ? KEV_UNSET : n;
}

static int f_proc_tty(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	const struct proc *p = ctx_proc(c);

	if (p && p->tty != KEV_UNSET)
		return set_num(v, p->tty);
	return set_num(v, tty_from_name(c->ev->tty));
}

/* Falco keeps a thread's cwd with a trailing '/' (rules test
 * `proc.cwd startswith "/dev/shm/"`). */
static int f_proc_cwd(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	const char *cwd = c->ev->cwd ? c->ev->cwd : ctx_proc(c) ? ctx_proc(c)->cwd : NULL;
	size_t n;

	if (!cwd)
		return 0;
	n = strlen(cwd);
	if (n && cwd[n - 1] == '/')
		return set_str(v, cwd);
	fbuf_set(b, cwd, n);
	fbuf_append(b, "/", 1);
	return set_buf(v, b);
}

static int f_proc_duration(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	const struct proc *p = ctx_proc(c);

	if (!p || !p->exec_time_ns || !c->ev->time_ns || c->ev->time_ns < p->exec_time_ns)
		return 0;
	v->n = (int64_t)(c->ev->time_ns - p->exec_time_ns);
	return 1;
}

static int f_proc_is_exe_writable(struct fctx *c, const struct fref *r, struct fval *v,
                                  struct fbuf *b)
{
	const struct proc *p = ctx_proc(c);
	return p ? set_num(v, p->exe_writable) : 0;
}

static int f_proc_is_exe_from_memfd(struct fctx *c, const struct fref *r, struct fval *v,
                                    struct fbuf *b)
{
	const char *e = ctx_proc(c) ? exepath_of(c, ctx_proc(c)) : c->ev->exe;
	if (!e)
		return 0;
	v->n = strncmp(e, "/memfd:", 7) == 0;
	return 1;
}

static int f_proc_pname(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	const struct proc *pp = ctx_parent(c);
	return pp ? set_str(v, pp->comm[0] ? pp->comm : NULL) : 0;
}

static int f_proc_pexe(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	const struct proc *pp = ctx_parent(c);
	return pp ? set_str(v, exe_of(c, pp)) : 0;
}

static int f_proc_pexepath(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	const struct proc *pp = ctx_parent(c);
	return pp ? set_str(v, pp->exepath) : 0;
}

static int f_proc_pcmdline(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	const struct proc *pp = ctx_parent(c);
	return pp ? cmdline_of(c, pp, v, b) : 0;
}

/* proc.aname[N] etc.: N = 0 is the process itself. Without index the
 * evaluator walks ancestors (see compile.c) passing iarg per level. */
static int f_proc_aname(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	const struct proc *p = fctx_ancestor(c, r->iarg < 0 ? 1 : r->iarg);
	if (!p)
		return 0;
	if (r->iarg == 0)
		return f_proc_name(c, r, v, b);
	return set_str(v, p->comm[0] ? p->comm : NULL);
}

static int f_proc_apid(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	const struct proc *p = fctx_ancestor(c, r->iarg < 0 ? 1 : r->iarg);
	return p ? set_num(v, p->pid) : 0;
}

static int f_proc_aexe(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	const struct proc *p = fctx_ancestor(c, r->iarg < 0 ? 1 : r->iarg);
	return p ? set_str(v, exe_of(c, p)) : 0;
}

static int f_proc_aexepath(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	const struct proc *p = fctx_ancestor(c, r->iarg < 0 ? 1 : r->iarg);
	return p ? set_str(v, exepath_of(c, p)) : 0;
}

static int f_proc_acmdline(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	const struct proc *p = fctx_ancestor(c, r->iarg < 0 ? 1 : r->iarg);
	return p ? cmdline_of(c, p, v, b) : 0;
}

static int f_thread_cap_effective(struct fctx *c, const struct fref *r, struct fval *v,
                                  struct fbuf *b)
{
	char path[FIELD_NUMBUF], text[FIELD_STATUS_MAX];
	unsigned long long caps = 0;
	ssize_t n;
	int fd;

	if (!engine_is_live(c->engine) || c->ev->pid <= 0)
		return 0;
	/* open/read into the stack: no allocation per event */
	snprintf(path, sizeof(path), "/proc/%lld/status", (long long)c->ev->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	/* thread.cap_effective / cap_permitted / cap_inheritable */
	const char *key = strstr(r->def->name, "permitted")     ? "\nCapPrm:"
	                  : strstr(r->def->name, "inheritable") ? "\nCapInh:"
	                                                        : "\nCapEff:";
	const char *line = strstr(text, key);
	if (!line || sscanf(line + strlen(key), " %llx", &caps) != 1)
		return 0;
	b->len = 0;
	fbuf_set(b, "", 0);
	for (int i = 0; i <= CAP_LAST_CAP; i++) {
		if (!(caps & (1ull << i)))
			continue;
		const char *cname = capng_capability_to_name((unsigned)i);
		if (!cname)
			continue;
		if (b->len)
			fbuf_append(b, " ", 1);
		fbuf_append(b, "CAP_", 4);
		for (const char *s = cname; *s; s++) {
			char u = (char)toupper((unsigned char)*s);
			fbuf_append(b, &u, 1);
		}
	}
	return set_buf(v, b);
}

/* ---- user.* / group.* ---- */

static int f_user_uid(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	if (c->ev->has_syscall)
		return set_num(v, c->ev->uid);
	return ctx_proc(c) ? set_num(v, ctx_proc(c)->uid) : 0;
}

static int f_group_gid(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	if (c->ev->has_syscall)
		return set_num(v, c->ev->gid);
	return ctx_proc(c) ? set_num(v, ctx_proc(c)->gid) : 0;
}

static int64_t loginuid(const struct kevent *ev)
{
	if (ev->auid == KEV_UNSET)
		return KEV_UNSET;
	return ev->auid == (int64_t)KEV_ID_UNSET ? -1 : ev->auid;
}

static int f_user_loginuid(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	return set_num(v, loginuid(c->ev));
}

static int idname(struct fctx *c, int64_t id, int group, struct fval *v, struct fbuf *b)
{
	char tmp[256];

	if (id == KEV_UNSET || id < 0)
		return 0;
	if (!engine_idname(c->engine, ctx_proc(c), id, group, tmp, sizeof(tmp)))
		return 0;
	fbuf_set(b, tmp, strlen(tmp));
	return set_buf(v, b);
}

static int f_user_name(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	struct fval u;
	if (!f_user_uid(c, r, &u, b))
		return 0;
	return idname(c, u.n, 0, v, b);
}

static int f_user_loginname(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	return idname(c, loginuid(c->ev), 0, v, b);
}

static int f_group_name(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	struct fval g;
	if (!f_group_gid(c, r, &g, b))
		return 0;
	return idname(c, g.n, 1, v, b);
}

/* ---- fd.* ---- */

static int f_fd_name(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	const struct kevent *ev = c->ev;

	if (ev->has_sockaddr) {
		if (ev->sockaddr.family == KEV_SA_UNIX)
			return set_str(v, ev->sockaddr.addr);
		return 0; /* Falco's "cip:cport->sip:sport" needs the local end */
	}
	if (!cls(c)->is_open)
		return 0;
	const struct kev_path *p = main_path(ev);
	if (!p)
		return 0;
	abs_path(b, ev->cwd, p->name);
	return set_buf(v, b);
}

static int f_fd_nameraw(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	if (!cls(c)->is_open)
		return 0;
	const struct kev_path *p = main_path(c->ev);
	return p ? set_str(v, p->name) : 0;
}

static int f_fd_directory(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	if (!f_fd_name(c, r, v, b) || !c->ev->npaths || v->s != b->p)
		return 0;
	char *slash = strrchr(b->p, '/');
	if (!slash)
		return 0;
	if (slash == b->p)
		slash++;
	*slash = '\0';
	b->len = (size_t)(slash - b->p);
	return set_buf(v, b);
}

static int f_fd_filename(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	if (!f_fd_name(c, r, v, b) || !c->ev->npaths || v->s != b->p)
		return 0;
	const char *slash = strrchr(b->p, '/');
	return set_str(v, slash ? slash + 1 : b->p);
}

static int f_fd_num(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	const struct kevent *ev = c->ev;

	if (cls(c)->is_open || cls(c)->is_socket || sc_is(ev, "accept") || sc_is(ev, "accept4"))
		return ev->exit != KEV_UNSET && ev->exit >= 0 ? set_num(v, ev->exit) : 0;
	if (cls(c)->takes_fd)
		return set_num(v, (int64_t)(int32_t)ev->a[0]);
	return 0;
}

static const char *fd_type_of(struct fctx *c, char *typechar)
{
	const struct kevent *ev = c->ev;

	if (ev->has_sockaddr) {
		switch (ev->sockaddr.family) {
		case KEV_SA_INET:
			*typechar = '4';
			return "ipv4";
		case KEV_SA_INET6:
			*typechar = '6';
			return "ipv6";
		case KEV_SA_UNIX:
			*typechar = 'u';
			return "unix";
		case KEV_SA_NETLINK:
			*typechar = 'n';
			return "netlink";
		default:
			return NULL;
		}
	}
	if (cls(c)->is_socket) {
		switch ((int)ev->a[0]) {
		case AF_INET:
			*typechar = '4';
			return "ipv4";
		case AF_INET6:
			*typechar = '6';
			return "ipv6";
		case AF_UNIX:
			*typechar = 'u';
			return "unix";
		case AF_NETLINK:
			*typechar = 'n';
			return "netlink";
		default:
			*typechar = 's';
			return "sock";
		}
	}
	if (cls(c)->is_open) {
		const struct kev_path *p = main_path(ev);
		if (p && p->mode != KEV_UNSET && S_ISDIR((mode_t)p->mode)) {
			*typechar = 'd';
			return "directory";
		}
		*typechar = 'f';
		return "file";
	}
	return NULL;
}

static int f_fd_type(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	char tc;
	return set_str(v, fd_type_of(c, &tc));
}

static int f_fd_typechar(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	char tc;
	if (!fd_type_of(c, &tc))
		return 0;
	fbuf_set(b, &tc, 1);
	return set_buf(v, b);
}

static int is_inet(const struct kevent *ev)
{
	return ev->has_sockaddr &&
	       (ev->sockaddr.family == KEV_SA_INET || ev->sockaddr.family == KEV_SA_INET6);
}

/* The SOCKADDR of connect/sendto/bind is the remote (server) end. */
static int f_fd_sip(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	return is_inet(c->ev) ? set_str(v, c->ev->sockaddr.addr) : 0;
}

static int f_fd_sport(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	if (!is_inet(c->ev) || c->ev->sockaddr.port < 0)
		return 0;
	v->n = c->ev->sockaddr.port;
	return 1;
}

static int f_fd_sockfamily(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	if (is_inet(c->ev))
		return set_str(v, "ip");
	if (c->ev->has_sockaddr && c->ev->sockaddr.family == KEV_SA_UNIX)
		return set_str(v, "unix");
	return 0;
}

static int f_fd_l4proto(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	const struct kevent *ev = c->ev;
	int af;

	if (!sc_is(ev, "socket"))
		return 0;
	af = (int)ev->a[0];
	if (af != AF_INET && af != AF_INET6)
		return 0;
	switch ((int)(ev->a[1] & 0xf)) {
	case SOCK_STREAM:
		return set_str(v, "tcp");
	case SOCK_DGRAM:
		return set_str(v, "udp");
	case SOCK_RAW:
		return set_str(v, "raw");
	default:
		return 0;
	}
}

/* ---- container.* / k8s.* ---- */

#define CT_STR_FIELD(fname, member)                                                                \
	static int fname(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)     \
	{                                                                                          \
		const struct container_info *ct = ctx_ct(c);                                       \
		return ct ? set_str(v, ct->member) : 0;                                            \
	}

CT_STR_FIELD(f_ct_name_raw, name)
CT_STR_FIELD(f_ct_image, image)
CT_STR_FIELD(f_ct_image_repo, image_repository)
CT_STR_FIELD(f_ct_image_tag, image_tag)
CT_STR_FIELD(f_ct_labels, labels)
CT_STR_FIELD(f_k8s_pod_name, k8s_pod_name)
CT_STR_FIELD(f_k8s_ns_name, k8s_ns_name)
CT_STR_FIELD(f_k8s_pod_uid, k8s_pod_uid)
CT_STR_FIELD(f_k8s_pod_labels, k8s_pod_labels)

static int f_ct_id(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	const struct container_info *ct = ctx_ct(c);
	return ct ? set_str(v, ct->id) : 0;
}

static int f_ct_full_id(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	const struct container_info *ct = ctx_ct(c);
	if (!ct)
		return 0;
	return set_str(v, ct->type == CT_HOST ? ct->id : ct->full_id);
}

static int f_ct_name(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	const struct container_info *ct = ctx_ct(c);
	if (ct && ct->type == CT_HOST)
		return set_str(v, "host");
	return f_ct_name_raw(c, r, v, b);
}

/* Falco's container.type spellings (kept here so the engine does not need
 * the container module linked). */
static int f_ct_type(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	const struct container_info *ct = ctx_ct(c);
	/* Falco's container plugin says "host" for host processes */
	if (!ct)
		return 0;
	return set_str(v, container_type_name(ct->type));
}

static int f_ct_privileged(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	const struct container_info *ct = ctx_ct(c);
	if (!ct || ct->privileged < 0)
		return 0;
	v->n = ct->privileged != 0;
	return 1;
}

/* ---- audit.* ---- */

static int f_audit_key(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	return set_str(v, c->ev->key);
}

static int f_audit_serial(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	v->n = (int64_t)c->ev->serial;
	return 1;
}

static int f_audit_arch(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	int mach;

	if (!c->ev->has_syscall || !c->ev->arch)
		return 0;
	mach = audit_elf_to_machine(c->ev->arch);
	return mach < 0 ? 0 : set_str(v, audit_machine_to_name(mach));
}

static int f_audit_ses(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	if (c->ev->ses == KEV_UNSET || c->ev->ses == (int64_t)KEV_ID_UNSET)
		return 0;
	return set_num(v, c->ev->ses);
}

static int f_audit_syscall(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	if (!c->ev->has_syscall || c->ev->syscall < 0)
		return 0;
	v->n = c->ev->syscall;
	return 1;
}

static int f_audit_success(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	if (c->ev->success < 0)
		return 0;
	v->n = c->ev->success;
	return 1;
}

static int f_audit_euid(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	return set_num(v, c->ev->euid);
}

/* ---- the table ---- */

#define S FT_STR
#define I FT_INT
#define B FT_BOOL

static const struct field_def field_table[] = {
    {"evt.type", S, FA_NONE, f_evt_type, "system call name (audit events are syscall exits)"},
    {"evt.num", I, FA_NONE, f_evt_num, "event number, counted by the engine"},
    {"evt.res", S, FA_NONE, f_evt_res, "result: SUCCESS or the errno name (ENOENT ...)"},
    {"evt.rawres", I, FA_NONE, f_evt_rawres, "raw return value (exit=)"},
    {"evt.failed", B, FA_NONE, f_evt_failed, "true when the syscall failed"},
    {"evt.dir", S, FA_NONE, f_evt_dir, "direction: always '<' (exit)"},
    {"evt.time", S, FA_NONE, f_evt_time, "event time, local HH:MM:SS.nnnnnnnnn"},
    {"evt.time.iso8601", S, FA_NONE, f_evt_time_iso, "event time, ISO 8601 UTC"},
    {"evt.datetime", S, FA_NONE, f_evt_time_iso, "event time, ISO 8601 UTC"},
    {"evt.rawtime", I, FA_NONE, f_evt_rawtime, "event time, ns since the epoch"},
    {"evt.hostname", S, FA_NONE, f_evt_hostname, "host name"},
    {"evt.arg", S, FA_KEY, f_evt_arg, "argument by name (evt.arg.flags) or index (evt.arg[1])"},
    {"evt.rawarg", I, FA_KEY, f_evt_rawarg, "raw numeric argument by name"},
    {"evt.args", S, FA_NONE, f_evt_args, "arguments as name=value text"},
    {"evt.is_open_read", B, FA_NONE, f_evt_is_open_read, "open-like syscall for reading"},
    {"evt.is_open_write", B, FA_NONE, f_evt_is_open_write, "open-like syscall for writing"},
    {"evt.is_open_exec", B, FA_NONE, f_evt_is_open_exec, "open creating an executable file"},
    {"proc.name", S, FA_NONE, f_proc_name, "process name (comm)"},
    {"proc.exe", S, FA_NONE, f_proc_exe, "first argument of the exec (argv[0])"},
    {"proc.exepath", S, FA_NONE, f_proc_exepath, "executable path (exe=)"},
    {"proc.args", S, FA_NONE, f_proc_args, "arguments argv[1..] joined by spaces"},
    {"proc.cmdline", S, FA_NONE, f_proc_cmdline, "name and arguments"},
    {"proc.pid", I, FA_NONE, f_proc_pid, "process id"},
    {"proc.ppid", I, FA_NONE, f_proc_ppid, "parent process id"},
    {"proc.vpid", I, FA_NONE, f_proc_vpid, "process id in its pid namespace"},
    {"proc.sid", I, FA_NONE, f_proc_sid, "session id"},
    {"proc.sname", S, FA_NONE, f_proc_sname, "name of the session leader"},
    {"proc.tty", I, FA_NONE, f_proc_tty, "controlling terminal (tty_nr), 0 when none"},
    {"proc.cwd", S, FA_NONE, f_proc_cwd, "current working directory"},
    {"proc.duration", I, FA_NONE, f_proc_duration, "ns since the process's last exec"},
    {"proc.is_exe_writable", B, FA_NONE, f_proc_is_exe_writable, "executable writable by the user"},
    {"proc.is_exe_from_memfd", B, FA_NONE, f_proc_is_exe_from_memfd, "executable is a memfd"},
    {"proc.pname", S, FA_NONE, f_proc_pname, "parent name"},
    {"proc.pexe", S, FA_NONE, f_proc_pexe, "parent argv[0]"},
    {"proc.pexepath", S, FA_NONE, f_proc_pexepath, "parent executable path"},
    {"proc.pcmdline", S, FA_NONE, f_proc_pcmdline, "parent name and arguments"},
    {"proc.aname", S, FA_INDEX, f_proc_aname,
     "ancestor name: [0] self, [1] parent...; no index: any ancestor"},
    {"proc.apid", I, FA_INDEX, f_proc_apid, "ancestor pid"},
    {"proc.aexe", S, FA_INDEX, f_proc_aexe, "ancestor argv[0]"},
    {"proc.aexepath", S, FA_INDEX, f_proc_aexepath, "ancestor executable path"},
    {"proc.acmdline", S, FA_INDEX, f_proc_acmdline, "ancestor command line"},
    {"thread.tid", I, FA_NONE, f_proc_pid, "thread id (the audit pid)"},
    {"thread.cap_effective", S, FA_NONE, f_thread_cap_effective,
     "effective capabilities (live mode only, /proc)"},
    {"user.uid", I, FA_NONE, f_user_uid, "real user id"},
    {"user.name", S, FA_NONE, f_user_name, "user name"},
    {"user.loginuid", I, FA_NONE, f_user_loginuid, "login uid (auid), -1 when unset"},
    {"user.loginname", S, FA_NONE, f_user_loginname, "login user name"},
    {"group.gid", I, FA_NONE, f_group_gid, "group id"},
    {"group.name", S, FA_NONE, f_group_name, "group name"},
    {"fd.name", S, FA_NONE, f_fd_name, "file path (absolute) or unix socket path"},
    {"fd.nameraw", S, FA_NONE, f_fd_nameraw, "file path as passed to the syscall"},
    {"fd.directory", S, FA_NONE, f_fd_directory, "directory of fd.name"},
    {"fd.filename", S, FA_NONE, f_fd_filename, "base name of fd.name"},
    {"fd.num", I, FA_NONE, f_fd_num, "file descriptor number"},
    {"fd.type", S, FA_NONE, f_fd_type, "file, directory, ipv4, ipv6, unix, netlink"},
    {"fd.typechar", S, FA_NONE, f_fd_typechar, "f, d, 4, 6, u, n"},
    {"fd.sockfamily", S, FA_NONE, f_fd_sockfamily, "ip or unix"},
    {"fd.l4proto", S, FA_NONE, f_fd_l4proto, "tcp/udp/raw when the socket type is known"},
    {"fd.ip", FT_IPNET, FA_NONE, f_fd_sip, "remote IP of connect/sendto/bind"},
    {"fd.sip", FT_IPNET, FA_NONE, f_fd_sip, "server IP (the SOCKADDR of connect/sendto)"},
    {"fd.rip", FT_IPNET, FA_NONE, f_fd_sip, "remote IP"},
    {"fd.net", FT_IPNET, FA_NONE, f_fd_sip, "IP compared with networks (CIDR)"},
    {"fd.snet", FT_IPNET, FA_NONE, f_fd_sip, "server IP compared with networks"},
    {"fd.rnet", FT_IPNET, FA_NONE, f_fd_sip, "remote IP compared with networks"},
    {"fd.port", I, FA_NONE, f_fd_sport, "remote port"},
    {"fd.sport", I, FA_NONE, f_fd_sport, "server port"},
    {"fd.rport", I, FA_NONE, f_fd_sport, "remote port"},
    {"container.id", S, FA_NONE, f_ct_id, "container short id, 'host' outside containers"},
    {"container.full_id", S, FA_NONE, f_ct_full_id, "container full id"},
    {"container.name", S, FA_NONE, f_ct_name, "container name"},
    {"container.type", S, FA_NONE, f_ct_type, "runtime: docker, containerd, cri-o, podman ..."},
    {"container.image", S, FA_NONE, f_ct_image, "image reference"},
    {"container.image.repository", S, FA_NONE, f_ct_image_repo, "image repository"},
    {"container.image.tag", S, FA_NONE, f_ct_image_tag, "image tag"},
    {"container.privileged", B, FA_NONE, f_ct_privileged, "privileged container"},
    {"container.labels", S, FA_NONE, f_ct_labels, "labels k:v,k:v"},
    {"k8s.pod.name", S, FA_NONE, f_k8s_pod_name, "Kubernetes pod name"},
    {"k8s.ns.name", S, FA_NONE, f_k8s_ns_name, "Kubernetes namespace"},
    {"k8s.pod.uid", S, FA_NONE, f_k8s_pod_uid, "Kubernetes pod uid"},
    {"k8s.pod.labels", S, FA_NONE, f_k8s_pod_labels, "Kubernetes pod labels"},
    {"audit.key", S, FA_NONE, f_audit_key, "audit rule key (key=)"},
    {"audit.serial", I, FA_NONE, f_audit_serial, "audit event serial"},
    {"audit.arch", S, FA_NONE, f_audit_arch, "architecture (x86_64, i386 ...)"},
    {"audit.ses", I, FA_NONE, f_audit_ses, "audit session id"},
    {"audit.syscall", I, FA_NONE, f_audit_syscall, "syscall number"},
    {"audit.success", B, FA_NONE, f_audit_success, "success= of the SYSCALL record"},
    {"audit.euid", I, FA_NONE, f_audit_euid, "effective uid"},
    /* Falco fields audit records cannot supply (rules using them in a
     * condition are skipped; outputs print <NA>). */
    {"fd.lport", I, FA_NONE, NULL, "local port: not in audit records"},
    {"fd.cport", I, FA_NONE, NULL, "client port: not in audit records"},
    {"fd.lip", FT_IPNET, FA_NONE, NULL, "local IP: not in audit records"},
    {"fd.cip", FT_IPNET, FA_NONE, NULL, "client IP: not in audit records"},
    {"fd.cnet", FT_IPNET, FA_NONE, NULL, "client network: not in audit records"},
    {"fd.lnet", FT_IPNET, FA_NONE, NULL, "local network: not in audit records"},
    {"fd.connected", B, FA_NONE, NULL, "socket connection state: no per-fd state"},
    {"fd.name_changed", B, FA_NONE, NULL, "UDP tuple change: no per-fd state"},
    {"fd.sip.name", S, FA_NONE, NULL, "server host name: no DNS resolution"},
    {"fd.cip.name", S, FA_NONE, NULL, "client host name: no DNS resolution"},
    {"fd.rip.name", S, FA_NONE, NULL, "remote host name: no DNS resolution"},
    {"fd.lip.name", S, FA_NONE, NULL, "local host name: no DNS resolution"},
    {"fd.types", S, FA_INDEX, NULL, "fd types of the process: no fd table"},
    {"fd.dev", I, FA_NONE, NULL, "device: not tracked"},
    {"fd.ino", I, FA_NONE, NULL, "inode: not tracked"},
    {"evt.buffer", S, FA_NONE, NULL, "I/O data: audit never records payloads"},
    {"evt.rawarg.data", S, FA_NONE, NULL, "I/O data: audit never records payloads"},
    {"evt.cpu", I, FA_NONE, NULL, "CPU: not in audit records"},
    {"evt.latency", I, FA_NONE, NULL, "latency: audit has no enter events"},
    {"proc.is_exe_upper_layer", B, FA_NONE, NULL, "overlayfs upper layer: not tracked"},
    {"proc.is_exe_lower_layer", B, FA_NONE, NULL, "overlayfs lower layer: not tracked"},
    {"proc.exe_ino", I, FA_NONE, NULL, "executable inode: not tracked"},
    {"proc.exe_ino.ctime", I, FA_NONE, NULL, "executable ctime: not tracked"},
    {"proc.exe_ino.mtime", I, FA_NONE, NULL, "executable mtime: not tracked"},
    {"proc.exe_ino.ctime_duration_proc_start", I, FA_NONE, NULL, "not tracked"},
    {"proc.exe_ino.ctime_duration_pidns_start", I, FA_NONE, NULL, "not tracked"},
    {"proc.env", S, FA_KEY, NULL, "environment: not in audit records"},
    {"proc.is_vpgid_leader", B, FA_NONE, NULL, "process group: not tracked"},
    {"proc.vpgid", I, FA_NONE, NULL, "process group: not tracked"},
    {"proc.vpgid.name", S, FA_NONE, NULL, "process group: not tracked"},
    {"proc.vpgid.exe", S, FA_NONE, NULL, "process group: not tracked"},
    {"proc.ppid.duration", I, FA_NONE, NULL, "parent start time: not tracked"},
    {"proc.pid.ts", I, FA_NONE, NULL, "start time: not tracked"},
    {"proc.is_container_healthcheck", B, FA_NONE, NULL, "health checks: not tracked"},
    {"proc.is_container_liveness_probe", B, FA_NONE, NULL, "probes: not tracked"},
    {"proc.is_container_readiness_probe", B, FA_NONE, NULL, "probes: not tracked"},
    {"proc.stdin.type", S, FA_NONE, NULL, "fd table: not tracked"},
    {"proc.stdout.type", S, FA_NONE, NULL, "fd table: not tracked"},
    {"proc.stdin.name", S, FA_NONE, NULL, "fd table: not tracked"},
    {"proc.stdout.name", S, FA_NONE, NULL, "fd table: not tracked"},
    {"thread.cap_permitted", S, FA_NONE, f_thread_cap_effective,
     "permitted capabilities (live mode only, /proc)"},
    {"thread.cap_inheritable", S, FA_NONE, f_thread_cap_effective,
     "inheritable capabilities (live mode only, /proc)"},
    {"container.start_ts", I, FA_NONE, NULL, "container start time: not tracked"},
    {"container.duration", I, FA_NONE, NULL, "container start time: not tracked"},
    {"container.image.id", S, FA_NONE, NULL, "image id: not read"},
    {"container.image.digest", S, FA_NONE, NULL, "image digest: not read"},
    {"container.mounts", S, FA_NONE, NULL, "mounts: not read"},
    {"container.mount", S, FA_KEY, NULL, "mounts: not read"},
    {"container.mount.dest", S, FA_KEY, NULL, "mounts: not read"},
    {"container.mount.source", S, FA_KEY, NULL, "mounts: not read"},
    {"container.ip", S, FA_NONE, NULL, "container IP: not read"},
    {"container.healthcheck", S, FA_NONE, NULL, "health checks: not read"},
    {"k8s.ns.labels", S, FA_NONE, NULL, "namespace labels: not read"},
    {"k8s.pod.label", S, FA_KEY, NULL, "pod labels by key: not read"},
    {"k8s.pod.ip", S, FA_NONE, NULL, "pod IP: not read"},
    {"k8s.pod.cni.json", S, FA_NONE, NULL, "CNI result: not read"},
    {"user.homedir", S, FA_NONE, NULL, "home directory: not read"},
    {"user.shell", S, FA_NONE, NULL, "shell: not read"},
    {NULL, 0, 0, NULL, NULL},
};

#undef S
#undef I
#undef B

const struct field_def *field_lookup(const char *name, const char **dotarg)
{
	*dotarg = NULL;
	for (int i = 0; field_table[i].name; i++)
		if (strcmp(field_table[i].name, name) == 0)
			return &field_table[i];
	/* evt.arg.NAME, evt.rawarg.NAME, proc.env.NAME style suffixes */
	for (int i = 0; field_table[i].name; i++) {
		size_t n = strlen(field_table[i].name);
		if (field_table[i].arg == FA_KEY && strncmp(name, field_table[i].name, n) == 0 &&
		    name[n] == '.' && name[n + 1]) {
			*dotarg = name + n + 1;
			return &field_table[i];
		}
	}
	return NULL;
}

int field_extract(struct fctx *c, const struct fref *r, struct fval *v, struct fbuf *b)
{
	v->s = NULL;
	v->len = 0;
	v->n = 0;
	if (!r->def->fn)
		return 0;
	return r->def->fn(c, r, v, b);
}

const char *field_format(const struct fref *r, const struct fval *v, char *buf, size_t n)
{
	switch (r->def->type) {
	case FT_INT:
		snprintf(buf, n, "%lld", (long long)v->n);
		return buf;
	case FT_BOOL:
		return v->n ? "true" : "false";
	default:
		return v->s;
	}
}

const char *field_type_name(enum ftype t)
{
	switch (t) {
	case FT_INT:
		return "INT64";
	case FT_BOOL:
		return "BOOL";
	case FT_IPNET:
		return "IPADDR";
	default:
		return "CHARBUF";
	}
}

void field_print_table(FILE *out)
{
	fprintf(out, "Field Class: kestrel (audit syscall events)\n\n");
	for (int i = 0; field_table[i].name; i++) {
		const struct field_def *f = &field_table[i];
		char name[96];

		snprintf(name, sizeof(name), "%s%s", f->name,
		         f->arg == FA_INDEX ? "[N]"
		         : f->arg == FA_KEY ? "[NAME]"
		                            : "");
		fprintf(out, "%-42s %-8s %s%s\n", name, field_type_name(f->type),
		        f->fn ? "" : "(unsupported) ", f->desc);
	}
}
