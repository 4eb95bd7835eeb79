/*
 * fields_fd.c — extractors of the fd.* fields: file names from the audit
 * PATH records (made absolute against the cwd, or "<UNKNOWN>/name" under a
 * directory fd audit did not resolve), descriptor numbers and
 * socket addresses of the event, and the state of an fd the event only
 * uses from the process's fd table (src/proc/fdtable.c). Live, the local
 * end of a connected socket, which no audit record carries, is looked up
 * in /proc on first use by src/proc.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>

#include "engine/fields_int.h"
#include "proc/fdtable.h"
#include "proc/proc.h"

/* Where the local end of a socket is looked up (live mode only). */
#define FIELDS_PROCROOT "/proc"

/* ---- the event's fd and its entry in the process's fd table ---- */

/* Syscalls whose result is a new fd that describes the event. */
static int result_is_fd(struct fctx *c)
{
	const struct kevent *ev = c->ev;
	if (fctx_cls(c)->is_open || c->is_socket)
		return 1;
	if (!ev->syscall_name)
		return 0;
	switch (ev->syscall_name[0]) {
	case 'a':
		return fld_sc_is(ev, "accept") || fld_sc_is(ev, "accept4");
	case 'd':
		return fld_sc_is(ev, "dup") || fld_sc_is(ev, "dup2") || fld_sc_is(ev, "dup3");
	case 'f':
		return fld_sc_is(ev, "fcntl") && (ev->a[1] == 0 || ev->a[1] == 1030);
	case 'm':
		return fld_sc_is(ev, "memfd_create");
	default:
		return 0;
	}
}

/* The fd number the event is about: 1 and *fd, or 0. */
static int ev_fdnum(struct fctx *c, int *fd)
{
	const struct kevent *ev = c->ev;
	if (result_is_fd(c)) {
		if (ev->exit == KEV_UNSET || ev->exit < 0)
			return 0;
		*fd = (int)ev->exit;
		return 1;
	}
	if (fctx_cls(c)->takes_fd) {
		*fd = (int)(int32_t)ev->a[0];
		return 1;
	}
	return 0;
}

/* The fd table's entry of fd in the event's process, or NULL. */
static const struct fd_entry *fd_entry_of(struct fctx *c, int fd)
{
	const struct proc *p = fctx_proc(c);
	return p ? fdtable_get(p->fds, fd) : NULL;
}

/* The same, with the local end of a connected socket that audit did not
 * report looked up once from /proc in live mode (fdtable_resolve_local):
 * only the fields that print or test the local end pay for it. */
static const struct fd_entry *fd_entry_local(struct fctx *c, int fd)
{
	const struct proc *p = fctx_proc(c);
	if (!p)
		return NULL;
	const struct fd_entry *e = fdtable_get(p->fds, fd);
	if (engine_is_live(c->engine) && fdtable_needs_local(e))
		fdtable_resolve_local(p->fds, fd, p->pid, FIELDS_PROCROOT);
	return e;
}

/* The fd table's entry of the event's fd, or NULL. */
static const struct fd_entry *ev_fd(struct fctx *c)
{
	int fd;
	return ev_fdnum(c, &fd) ? fd_entry_of(c, fd) : NULL;
}

/* ev_fd() with the local end looked up (fd_entry_local). */
static const struct fd_entry *ev_fd_local(struct fctx *c)
{
	int fd;
	return ev_fdnum(c, &fd) ? fd_entry_local(c, fd) : NULL;
}

static int entry_is_inet(const struct fd_entry *e)
{
	return e && (e->kind == FDK_IPV4 || e->kind == FDK_IPV6);
}

/* Appends "ip:port" of one end to b; the zero address when unknown (as
 * Falco prints an end the kernel gave no tuple for). */
static void put_end(struct buf *b, const struct fd_entry *e, int local)
{
	char txt[FDTABLE_IPLEN];
	const char *ip = fdtable_ip_text(e, local, txt);
	int port = local ? e->lport : e->rport;
	if (!*ip)
		ip = e->kind == FDK_IPV6 ? "::" : "0.0.0.0";
	buf_printf(b, "%s:%d", ip, port < 0 ? 0 : port);
}

/* Appends Falco's fd.name of an inet socket to b: "cip:cport->sip:sport"
 * once connected, the bound "ip:port" before. 1, or 0 when nothing known. */
static int inet_name(const struct fd_entry *e, struct buf *b)
{
	if (e->connected) {
		put_end(b, e, !e->is_server);
		buf_append(b, "->", 2);
		put_end(b, e, e->is_server);
	} else if (e->has_local)
		put_end(b, e, 1);
	else if (e->has_remote)
		put_end(b, e, 0);
	else
		return 0;
	return 1;
}

int fld_fd_desc(struct fctx *c, int fd, struct buf *b)
{
	const struct fd_entry *e = fd_entry_local(c, fd);
	static const char l4c[] = {[FDL4_NONE] = 0,
	                           [FDL4_TCP] = 't',
	                           [FDL4_UDP] = 'u',
	                           [FDL4_RAW] = 'r',
	                           [FDL4_ICMP] = 'i'};

	b->len = 0;
	buf_printf(b, "%d", fd);
	if (!e || !fdtable_kind_char(e->kind))
		return 1;
	buf_printf(b, "(<%c", fdtable_kind_char(e->kind));
	if (e->l4)
		buf_putc(b, l4c[e->l4]);
	buf_putc(b, '>');
	if (entry_is_inet(e))
		inet_name(e, b);
	else if (e->name)
		buf_puts(b, e->name);
	buf_putc(b, ')');
	return 1;
}

/* ---- fd.* ---- */

int f_fd_name(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	const struct kevent *ev = c->ev;
	const struct fd_entry *e = fctx_cls(c)->is_open ? NULL : ev_fd_local(c);

	if (entry_is_inet(e)) {
		b->len = 0;
		return inet_name(e, b) ? fval_buf(v, b) : 0;
	}
	if (ev->has_sockaddr) {
		if (ev->sockaddr.family == KEV_SA_UNIX)
			return fval_str(v, ev->sockaddr.addr);
		return 0; /* an inet end alone is no Falco name */
	}
	if (e && e->name)
		return fval_str(v, e->name);
	if (!fctx_cls(c)->is_open)
		return 0;
	const struct kev_path *p = fld_main_path(ev);
	if (!p)
		return 0;
	if (fld_path_name(b, ev, p) < 0)
		return 0;
	return fval_buf(v, b);
}

int f_fd_nameraw(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	if (!fctx_cls(c)->is_open)
		return 0;
	const struct kev_path *p = fld_main_path(c->ev);
	return p ? fval_str(v, p->name) : 0;
}

int f_fd_directory(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
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
	return fval_buf(v, b);
}

int f_fd_filename(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	if (!f_fd_name(c, r, v, b) || !c->ev->npaths || v->s != b->p)
		return 0;
	const char *slash = strrchr(b->p, '/');
	return fval_str(v, slash ? slash + 1 : b->p);
}

int f_fd_num(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	int fd;
	return ev_fdnum(c, &fd) ? fval_num(v, fd) : 0;
}

static int kind_of_sa(enum kev_sa_family f)
{
	switch (f) {
	case KEV_SA_INET:
		return FDK_IPV4;
	case KEV_SA_INET6:
		return FDK_IPV6;
	case KEV_SA_UNIX:
		return FDK_UNIX;
	case KEV_SA_NETLINK:
		return FDK_NETLINK;
	default:
		return FDK_UNKNOWN;
	}
}

/* The fd's kind (enum fd_kind): from the event itself, else the table. */
static int fd_kind(struct fctx *c)
{
	const struct kevent *ev = c->ev;

	if (ev->has_sockaddr && kind_of_sa(ev->sockaddr.family))
		return kind_of_sa(ev->sockaddr.family);
	if (fctx_cls(c)->is_socket)
		return fdtable_kind_of_family((int)ev->a[0]);
	if (c->is_open) {
		const struct kev_path *p = fld_main_path(ev);
		if (p && p->mode != KEV_UNSET && S_ISDIR((mode_t)p->mode))
			return FDK_DIR;
		return FDK_FILE;
	}
	const struct fd_entry *e = ev_fd(c);
	return e ? e->kind : FDK_UNKNOWN;
}

int f_fd_type(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	return fval_str(v, fdtable_kind_name(fd_kind(c)));
}

int f_fd_typechar(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	char tc = fdtable_kind_char(fd_kind(c));
	if (!tc)
		return 0;
	buf_set(b, &tc, 1);
	return fval_buf(v, b);
}

static int ev_is_inet(const struct kevent *ev)
{
	return ev->has_sockaddr &&
	       (ev->sockaddr.family == KEV_SA_INET || ev->sockaddr.family == KEV_SA_INET6);
}

/* One end of the event's inet socket: which = 's'erver, 'c'lient,
 * 'l'ocal, 'r'emote. From the fd table; without an entry, the SOCKADDR of
 * connect/sendto/bind stands for the server (remote) end. */
static int inet_end(struct fctx *c, char which, const char **ip, int *port, char txt[FDTABLE_IPLEN])
{
	const struct fd_entry *e = ev_fd(c);

	if (entry_is_inet(e)) {
		int local = which == 'l' || (which == 's' && e->is_server) ||
		            (which == 'c' && !e->is_server);
		if (local)
			e = ev_fd_local(c);
		if (local ? e->has_local : e->has_remote) {
			*ip = fdtable_ip_text(e, local, txt);
			*port = local ? e->lport : e->rport;
			return 1;
		}
		if (local)
			return 0;
	}
	/* no entry, or an unconnected socket's sendto: the SOCKADDR */
	if (!ev_is_inet(c->ev) || which == 'c' || which == 'l')
		return 0;
	*ip = c->ev->sockaddr.addr;
	*port = c->ev->sockaddr.port;
	return 1;
}

/* The address is copied into b: it may be text formatted on the stack. */
static int ip_field(struct fctx *c, char which, struct fval *v, struct buf *b)
{
	const char *ip;
	char txt[FDTABLE_IPLEN];
	int port;
	if (!inet_end(c, which, &ip, &port, txt))
		return 0;
	buf_set(b, ip, strlen(ip));
	return fval_buf(v, b);
}

static int port_field(struct fctx *c, char which, struct fval *v)
{
	const char *ip;
	char txt[FDTABLE_IPLEN];
	int port;
	if (!inet_end(c, which, &ip, &port, txt) || port < 0)
		return 0;
	return fval_num(v, port);
}

FIELD_FN(f_fd_sip)
{
	return ip_field(c, 's', v, b);
}
FIELD_FN(f_fd_cip)
{
	return ip_field(c, 'c', v, b);
}
FIELD_FN(f_fd_lip)
{
	return ip_field(c, 'l', v, b);
}
FIELD_FN(f_fd_rip)
{
	return ip_field(c, 'r', v, b);
}
/* The *.name fields extract the address; the compiler turns the names a
 * rule writes into the addresses they resolve to (compile_check.c). */
FIELD_FN(f_fd_sip_name)
{
	return ip_field(c, 's', v, b);
}
FIELD_FN(f_fd_cip_name)
{
	return ip_field(c, 'c', v, b);
}
FIELD_FN(f_fd_lip_name)
{
	return ip_field(c, 'l', v, b);
}
FIELD_FN(f_fd_rip_name)
{
	return ip_field(c, 'r', v, b);
}

int fld_is_hostname(const struct field_def *d)
{
	return d && (d->fn == f_fd_sip_name || d->fn == f_fd_cip_name || d->fn == f_fd_lip_name ||
	             d->fn == f_fd_rip_name);
}

FIELD_FN(f_fd_sport)
{
	return port_field(c, 's', v);
}
FIELD_FN(f_fd_cport)
{
	return port_field(c, 'c', v);
}
FIELD_FN(f_fd_lport)
{
	return port_field(c, 'l', v);
}
FIELD_FN(f_fd_rport)
{
	return port_field(c, 'r', v);
}

int f_fd_sockfamily(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	int k = fd_kind(c);
	if (k == FDK_IPV4 || k == FDK_IPV6)
		return fval_str(v, "ip");
	return k == FDK_UNIX ? fval_str(v, "unix") : 0;
}

int f_fd_l4proto(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	static const char *const names[] = {
	    [FDL4_NONE] = NULL, [FDL4_TCP] = "tcp",   [FDL4_UDP] = "udp",
	    [FDL4_RAW] = "raw", [FDL4_ICMP] = "icmp",
	};
	const struct kevent *ev = c->ev;
	int l4 = FDL4_NONE;

	if (fctx_cls(c)->is_socket) {
		int af = (int)ev->a[0];
		if (af != AF_INET && af != AF_INET6)
			return 0;
		switch ((int)(ev->a[1] & 0xf)) {
		case SOCK_STREAM:
			return fval_str(v, "tcp");
		case SOCK_DGRAM:
			return fval_str(v, ev->a[2] == IPPROTO_ICMP || ev->a[2] == IPPROTO_ICMPV6
			                       ? "icmp"
			                       : "udp");
		case SOCK_RAW:
			return fval_str(v, "raw");
		default:
			return 0;
		}
	}
	const struct fd_entry *e = ev_fd(c);
	if (e)
		l4 = e->l4;
	return l4 > FDL4_NONE && l4 <= FDL4_ICMP ? fval_str(v, names[l4]) : 0;
}

static int inet_flag(struct fctx *c, struct fval *v, int server)
{
	const struct fd_entry *e = ev_fd(c);
	if (!e || (e->kind != FDK_IPV4 && e->kind != FDK_IPV6 && e->kind != FDK_UNIX))
		return 0;
	return fval_num(v, server ? e->is_server : e->connected);
}

FIELD_FN(f_fd_is_server)
{
	return inet_flag(c, v, 1);
}
FIELD_FN(f_fd_connected)
{
	return inet_flag(c, v, 0);
}

/* True only on the sendto/sendmsg that gave an unconnected socket a new
 * remote end (Falco's UDP "tuple changed"). */
int f_fd_name_changed(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	const struct fd_entry *e = ev_fd(c);
	if (!e || !(fld_sc_is(c->ev, "sendto") || fld_sc_is(c->ev, "sendmsg")))
		return e ? fval_num(v, 0) : 0;
	return fval_num(v, e->name_changed);
}
