/*
 * fields_fd.c — extractors of the fd.* fields: file names from the audit
 * PATH records (made absolute against the cwd, or "<UNKNOWN>/name" under a
 * directory fd audit did not resolve), descriptor numbers and
 * socket addresses of the event. Audit keeps no fd table, so these see
 * only what the event itself carries.
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

/* ---- fd.* ---- */

int f_fd_name(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	const struct kevent *ev = c->ev;

	if (ev->has_sockaddr) {
		if (ev->sockaddr.family == KEV_SA_UNIX)
			return fval_str(v, ev->sockaddr.addr);
		return 0; /* Falco's "cip:cport->sip:sport" needs the local end */
	}
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
	const struct kevent *ev = c->ev;

	if (fctx_cls(c)->is_open || fctx_cls(c)->is_socket || fld_sc_is(ev, "accept") ||
	    fld_sc_is(ev, "accept4"))
		return ev->exit != KEV_UNSET && ev->exit >= 0 ? fval_num(v, ev->exit) : 0;
	if (fctx_cls(c)->takes_fd)
		return fval_num(v, (int64_t)(int32_t)ev->a[0]);
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
	if (fctx_cls(c)->is_socket) {
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
	if (fctx_cls(c)->is_open) {
		const struct kev_path *p = fld_main_path(ev);
		if (p && p->mode != KEV_UNSET && S_ISDIR((mode_t)p->mode)) {
			*typechar = 'd';
			return "directory";
		}
		*typechar = 'f';
		return "file";
	}
	return NULL;
}

int f_fd_type(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	char tc;
	return fval_str(v, fd_type_of(c, &tc));
}

int f_fd_typechar(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	char tc;
	if (!fd_type_of(c, &tc))
		return 0;
	buf_set(b, &tc, 1);
	return fval_buf(v, b);
}

static int is_inet(const struct kevent *ev)
{
	return ev->has_sockaddr &&
	       (ev->sockaddr.family == KEV_SA_INET || ev->sockaddr.family == KEV_SA_INET6);
}

/* The SOCKADDR of connect/sendto/bind is the remote (server) end. */
int f_fd_sip(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	return is_inet(c->ev) ? fval_str(v, c->ev->sockaddr.addr) : 0;
}

int f_fd_sport(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	if (!is_inet(c->ev) || c->ev->sockaddr.port < 0)
		return 0;
	v->n = c->ev->sockaddr.port;
	return 1;
}

int f_fd_sockfamily(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	if (is_inet(c->ev))
		return fval_str(v, "ip");
	if (c->ev->has_sockaddr && c->ev->sockaddr.family == KEV_SA_UNIX)
		return fval_str(v, "unix");
	return 0;
}

int f_fd_l4proto(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	const struct kevent *ev = c->ev;
	int af;

	if (!fld_sc_is(ev, "socket"))
		return 0;
	af = (int)ev->a[0];
	if (af != AF_INET && af != AF_INET6)
		return 0;
	switch ((int)(ev->a[1] & 0xf)) {
	case SOCK_STREAM:
		return fval_str(v, "tcp");
	case SOCK_DGRAM:
		return fval_str(v, "udp");
	case SOCK_RAW:
		return fval_str(v, "raw");
	default:
		return 0;
	}
}
