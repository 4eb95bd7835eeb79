/*
 * fields_evt.c — extractors of the evt.* fields (syscall name, result,
 * time, arguments by name or index, open classes) and of kestrel's own
 * audit.* fields, read from the normalized kevent alone. The flag tables
 * render numeric arguments the way Falco prints them.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libaudit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>

#include "engine/fields_int.h"
#include "util/timefmt.h"

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

static int render_open_flags(struct buf *b, int64_t f)
{
	const char *acc = (f & O_ACCMODE) == O_WRONLY ? "O_WRONLY"
	                  : (f & O_ACCMODE) == O_RDWR ? "O_RDWR"
	                                              : "O_RDONLY";

	if (buf_set(b, acc, strlen(acc)) < 0)
		return -1;
	for (int i = 0; open_flag_names[i].name; i++) {
		if ((f & open_flag_names[i].bit) != open_flag_names[i].bit)
			continue;
		if (open_flag_names[i].bit == O_DSYNC && (f & O_SYNC) == O_SYNC)
			continue;
		buf_append(b, "|", 1);
		buf_append(b, open_flag_names[i].name, strlen(open_flag_names[i].name));
	}
	if ((f & O_SYNC) == O_SYNC)
		buf_append(b, "|O_SYNC", 7);
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

int f_evt_type(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	return fval_str(v, c->ev->syscall_name);
}

int f_evt_num(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	v->n = (int64_t)c->evtnum;
	return 1;
}

int f_evt_rawres(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	return fval_num(v, c->ev->exit);
}

int f_evt_res(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	int64_t x = c->ev->exit;

	if (x == KEV_UNSET)
		return 0;
	if (x >= 0)
		return fval_str(v, "SUCCESS");
	const char *name = strerrorname_np((int)-x);
	if (name)
		return fval_str(v, name);
	char tmp[FIELD_NUMBUF];
	snprintf(tmp, sizeof(tmp), "%lld", (long long)x);
	buf_set(b, tmp, strlen(tmp));
	return fval_buf(v, b);
}

int f_evt_failed(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	if (c->ev->success < 0)
		return 0;
	v->n = c->ev->success == 0;
	return 1;
}

int f_evt_dir(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	return fval_str(v, "<");
}

static int fmt_time(struct buf *b, uint64_t ns, int iso)
{
	char tmp[TIMEFMT_MAX];
	size_t n = timefmt_event(tmp, sizeof(tmp), ns, iso);

	return buf_set(b, tmp, n);
}

int f_evt_time(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	if (!c->ev->time_ns)
		return 0;
	fmt_time(b, c->ev->time_ns, 0);
	return fval_buf(v, b);
}

int f_evt_time_iso(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	if (!c->ev->time_ns)
		return 0;
	fmt_time(b, c->ev->time_ns, 1);
	return fval_buf(v, b);
}

int f_evt_rawtime(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	if (!c->ev->time_ns)
		return 0;
	v->n = (int64_t)c->ev->time_ns;
	return 1;
}

int f_evt_hostname(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	return fval_str(v, engine_hostname(c->engine));
}

int f_evt_is_open_read(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	int64_t f = fctx_cls(c)->oflags;
	if (f < 0)
		return 0;
	v->n = (f & O_ACCMODE) == O_RDONLY || (f & O_ACCMODE) == O_RDWR;
	return 1;
}

int f_evt_is_open_write(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	int64_t f = fctx_cls(c)->oflags;
	if (f < 0)
		return 0;
	v->n = (f & O_ACCMODE) == O_WRONLY || (f & O_ACCMODE) == O_RDWR;
	return 1;
}

int f_evt_is_open_exec(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	int64_t f = fctx_cls(c)->oflags;
	int64_t mode;
	if (f < 0)
		return 0;
	mode = fld_sc_is(c->ev, "openat") ? (int64_t)c->ev->a[3] : (int64_t)c->ev->a[2];
	v->n = (f & O_CREAT) && (mode & (S_IXUSR | S_IXGRP | S_IXOTH));
	return 1;
}

static int num_text(struct fval *v, struct buf *b, int64_t n)
{
	char tmp[FIELD_NUMBUF];
	snprintf(tmp, sizeof(tmp), "%lld", (long long)n);
	buf_set(b, tmp, strlen(tmp));
	return fval_buf(v, b);
}

static int sockaddr_text(const struct kevent *ev, struct buf *b)
{
	char tmp[sizeof(ev->sockaddr.addr) + FIELD_NUMBUF];

	if (!ev->has_sockaddr)
		return -1;
	if (ev->sockaddr.family == KEV_SA_INET || ev->sockaddr.family == KEV_SA_INET6)
		snprintf(tmp, sizeof(tmp), "%s:%d", ev->sockaddr.addr, ev->sockaddr.port);
	else
		snprintf(tmp, sizeof(tmp), "%s", ev->sockaddr.addr);
	return buf_set(b, tmp, strlen(tmp));
}

/* evt.arg.NAME / evt.arg[N]: decoded arguments of the exit event. */
/* evt.arg.<k> of arguments printed as Falco names them; -1: not k. */
static int arg_coded(struct fctx *c, const char *k, struct fval *v, struct buf *b)
{
	const struct kevent *ev = c->ev;

	if (strcmp(k, "res") == 0 || strcmp(k, "fd") == 0) {
		if (strcmp(k, "fd") == 0 && fctx_cls(c)->takes_fd)
			return fld_fd_desc(c, (int)(int32_t)ev->a[0], b) ? fval_buf(v, b) : 0;
		return ev->exit == KEV_UNSET ? 0 : num_text(v, b, ev->exit);
	}
	if (strcmp(k, "flags") == 0) {
		int64_t f = fctx_cls(c)->oflags;
		if (c->is_exec)
			return fld_exe_flags(c, b) ? fval_buf(v, b) : 0;
		if (f < 0)
			return 0;
		render_open_flags(b, f);
		return fval_buf(v, b);
	}
	if (strcmp(k, "request") == 0) {
		if (!fld_sc_is(ev, "ptrace"))
			return 0;
		const char *n = flag_lookup(ptrace_requests, (int64_t)ev->a[0]);
		return n ? fval_str(v, n) : num_text(v, b, (int64_t)ev->a[0]);
	}
	if (strcmp(k, "domain") == 0) {
		if (!fld_sc_is(ev, "socket") && !fld_sc_is(ev, "socketpair"))
			return 0;
		const char *n = flag_lookup(socket_domains, (int64_t)ev->a[0]);
		return n ? fval_str(v, n) : num_text(v, b, (int64_t)ev->a[0]);
	}
	if (strcmp(k, "type") == 0 && (fld_sc_is(ev, "socket") || fld_sc_is(ev, "socketpair"))) {
		const char *n = flag_lookup(socket_types, (int64_t)(ev->a[1] & 0xf));
		return n ? fval_str(v, n) : num_text(v, b, (int64_t)ev->a[1]);
	}
	if (strcmp(k, "addr") == 0 || strcmp(k, "tuple") == 0) {
		if (sockaddr_text(ev, b) < 0)
			return 0;
		return fval_buf(v, b);
	}
	return -1;
}

/* The mode argument's kind: Falco prints chmod's as S_* names (PT_MODE),
 * open's in octal and mkdir's in hex (PT_UINT32 with PF_OCT / PF_HEX). */
enum mode_kind { MODE_NONE, MODE_NAMES, MODE_OCT, MODE_HEX };

/* The raw mode argument of ev and how Falco prints it. */
static enum mode_kind mode_arg(const struct kevent *ev, uint32_t *mode)
{
	static const struct {
		const char *sc;
		int arg;
		enum mode_kind kind;
	} t[] = {
	    {"chmod", 1, MODE_NAMES}, {"fchmod", 1, MODE_NAMES}, {"fchmodat", 2, MODE_NAMES},
	    {"open", 2, MODE_OCT},    {"openat", 3, MODE_OCT},   {"creat", 1, MODE_OCT},
	    {"mkdir", 1, MODE_HEX},   {"mkdirat", 2, MODE_HEX},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (fld_sc_is(ev, t[i].sc)) {
			*mode = (uint32_t)ev->a[t[i].arg];
			return t[i].kind;
		}
	return MODE_NONE;
}

/* chmod's mode as Falco renders it: the S_* bits it holds, lowest first,
 * joined by '|'; a mode with none of them prints as octal ("0"). */
static void mode_names(uint32_t mode, struct buf *b)
{
	static const struct flagname bits[] = {
	    {S_IXOTH, "S_IXOTH"}, {S_IWOTH, "S_IWOTH"}, {S_IROTH, "S_IROTH"}, {S_IXGRP, "S_IXGRP"},
	    {S_IWGRP, "S_IWGRP"}, {S_IRGRP, "S_IRGRP"}, {S_IXUSR, "S_IXUSR"}, {S_IWUSR, "S_IWUSR"},
	    {S_IRUSR, "S_IRUSR"}, {S_ISVTX, "S_ISVTX"}, {S_ISGID, "S_ISGID"}, {S_ISUID, "S_ISUID"},
	    {0, NULL},
	};
	char tmp[FIELD_NUMBUF];

	b->len = 0;
	for (int i = 0; bits[i].name; i++) {
		if (!(mode & bits[i].bit))
			continue;
		if (b->len)
			buf_append(b, "|", 1);
		buf_append(b, bits[i].name, strlen(bits[i].name));
	}
	if (!b->len) {
		snprintf(tmp, sizeof(tmp), "%#o", mode);
		buf_set(b, tmp, strlen(tmp));
	}
}

/* evt.arg.mode: chmod's as S_* names, open's as octal ("0644"), mkdir's as
 * hex ("1ED"), the formats Falco prints. */
static int arg_mode(const struct kevent *ev, struct fval *v, struct buf *b)
{
	char tmp[FIELD_NUMBUF];
	uint32_t mode = 0;

	switch (mode_arg(ev, &mode)) {
	case MODE_NAMES:
		mode_names(mode, b);
		return fval_buf(v, b);
	case MODE_OCT:
		snprintf(tmp, sizeof(tmp), "%#o", mode);
		break;
	case MODE_HEX:
		snprintf(tmp, sizeof(tmp), "%X", mode);
		break;
	default:
		return 0;
	}
	buf_set(b, tmp, strlen(tmp));
	return fval_buf(v, b);
}

/* evt.arg.<k> of ids and modes; -1: not k. */
static int arg_ids(struct fctx *c, const char *k, struct fval *v, struct buf *b)
{
	const struct kevent *ev = c->ev;

	if (strcmp(k, "uid") == 0 &&
	    (fld_sc_is(ev, "setuid") || fld_sc_is(ev, "setreuid") || fld_sc_is(ev, "setresuid")))
		return num_text(v, b, (int64_t)(uint32_t)ev->a[0]);
	if (strcmp(k, "pid") == 0 && fld_sc_is(ev, "ptrace"))
		return num_text(v, b, (int64_t)ev->a[1]);
	if (strcmp(k, "pid") == 0 && fld_sc_is(ev, "kill"))
		return num_text(v, b, (int64_t)ev->a[0]);
	if (strcmp(k, "mode") == 0)
		return arg_mode(ev, v, b);
	return -1;
}

/* evt.arg.<k> of path arguments, from the PATH records. */
static int arg_paths(struct fctx *c, const char *k, struct fval *v, struct buf *b)
{
	const struct kevent *ev = c->ev;
	const struct kev_path *p;

	if (strcmp(k, "target") == 0) {
		p = fld_path_of_type(ev, "UNKNOWN");
		return p ? fval_str(v, p->name) : 0;
	}
	if (strcmp(k, "linkpath") == 0 || strcmp(k, "newpath") == 0) {
		p = fld_path_of_type(ev, "CREATE");
		return p ? fval_str(v, p->name) : 0;
	}
	if (strcmp(k, "oldpath") == 0) {
		p = fld_path_of_type(ev, "DELETE");
		if (!p)
			p = fld_path_of_type(ev, "NORMAL");
		return p ? fval_str(v, p->name) : 0;
	}
	if (strcmp(k, "name") == 0 || strcmp(k, "path") == 0 || strcmp(k, "filename") == 0 ||
	    strcmp(k, "pathname") == 0) {
		if (fctx_cls(c)->is_exec && ev->nargv > 0 && strcmp(k, "filename") == 0)
			return ev->exe ? fval_str(v, ev->exe) : 0;
		p = fld_path_of_type(ev, "DELETE");
		if (!p)
			p = fld_main_path(ev);
		return p ? fval_str(v, p->name) : 0;
	}
	return 0;
}

int f_evt_arg(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	const struct kevent *ev = c->ev;
	const char *k = r->arg;

	if (!k || !ev->has_syscall)
		return 0;
	if (isdigit((unsigned char)k[0])) {
		long i = strtol(k, NULL, 10);
		if (i < 0 || i >= (long)(sizeof(ev->a) / sizeof(ev->a[0])))
			return 0;
		return num_text(v, b, (int64_t)ev->a[i]);
	}
	int rc = arg_coded(c, k, v, b);
	if (rc < 0)
		rc = arg_ids(c, k, v, b);
	return rc < 0 ? arg_paths(c, k, v, b) : rc;
}

int f_evt_rawarg(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	const struct kevent *ev = c->ev;
	const char *k = r->arg;

	if (!k || !ev->has_syscall)
		return 0;
	if (strcmp(k, "flags") == 0) {
		int64_t f = fctx_cls(c)->oflags;
		return f < 0 ? 0 : fval_num(v, f);
	}
	if (strcmp(k, "res") == 0)
		return fval_num(v, ev->exit);
	if (strcmp(k, "request") == 0 && fld_sc_is(ev, "ptrace"))
		return fval_num(v, (int64_t)ev->a[0]);
	if (strcmp(k, "domain") == 0 && fld_sc_is(ev, "socket"))
		return fval_num(v, (int64_t)ev->a[0]);
	if (strcmp(k, "fd") == 0 && fctx_cls(c)->takes_fd)
		return fval_num(v, (int64_t)(int32_t)ev->a[0]);
	if (strcmp(k, "uid") == 0 && fld_sc_is(ev, "setuid"))
		return fval_num(v, (int64_t)(uint32_t)ev->a[0]);
	if (strcmp(k, "mode") == 0) {
		uint32_t mode;
		return mode_arg(ev, &mode) == MODE_NONE ? 0 : fval_num(v, (int64_t)mode);
	}
	return 0;
}

/* evt.args: a compact "name=value" rendering of what the records carry. */
int f_evt_args(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	const struct kevent *ev = c->ev;
	char tmp[FIELD_NUMBUF * 2];

	if (!ev->has_syscall)
		return 0;
	b->len = 0;
	if (ev->exit != KEV_UNSET) {
		snprintf(tmp, sizeof(tmp), "res=%lld", (long long)ev->exit);
		buf_append(b, tmp, strlen(tmp));
	}
	if (fld_sc_is(ev, "socket")) {
		const char *d = flag_lookup(socket_domains, (int64_t)ev->a[0]);
		const char *t = flag_lookup(socket_types, (int64_t)(ev->a[1] & 0xf));
		snprintf(tmp, sizeof(tmp), " domain=%s type=%s proto=%llu", d ? d : "?",
		         t ? t : "?", (unsigned long long)ev->a[2]);
		buf_append(b, tmp, strlen(tmp));
	}
	const struct kev_path *p = fld_main_path(ev);
	if (p) {
		buf_append(b, " name=", 6);
		buf_append(b, p->name, strlen(p->name));
	}
	if (ev->has_sockaddr) {
		char sa[sizeof(ev->sockaddr.addr) + FIELD_NUMBUF];
		if (ev->sockaddr.family == KEV_SA_INET || ev->sockaddr.family == KEV_SA_INET6)
			snprintf(sa, sizeof(sa), " addr=%s:%d", ev->sockaddr.addr,
			         ev->sockaddr.port);
		else
			snprintf(sa, sizeof(sa), " addr=%s", ev->sockaddr.addr);
		buf_append(b, sa, strlen(sa));
	}
	if (b->len == 0)
		return 0;
	return fval_buf(v, b);
}

/* ---- audit.* ---- */

int f_audit_key(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	return fval_str(v, c->ev->key);
}

int f_audit_serial(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	v->n = (int64_t)c->ev->serial;
	return 1;
}

int f_audit_arch(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	int mach;

	if (!c->ev->has_syscall || !c->ev->arch)
		return 0;
	mach = audit_elf_to_machine(c->ev->arch);
	return mach < 0 ? 0 : fval_str(v, audit_machine_to_name(mach));
}

int f_audit_ses(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	if (c->ev->ses == KEV_UNSET || c->ev->ses == (int64_t)KEV_ID_UNSET)
		return 0;
	return fval_num(v, c->ev->ses);
}

int f_audit_syscall(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	if (!c->ev->has_syscall || c->ev->syscall < 0)
		return 0;
	v->n = c->ev->syscall;
	return 1;
}

int f_audit_success(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	if (c->ev->success < 0)
		return 0;
	v->n = c->ev->success;
	return 1;
}

int f_audit_euid(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	return fval_num(v, c->ev->euid);
}
