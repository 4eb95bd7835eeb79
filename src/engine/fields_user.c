/*
 * fields_user.c — extractors of the user.* and group.* fields: ids from
 * the event (or its process) and names through the engine's id resolver.
 */
#include <stdio.h>
#include <string.h>

#include "proc/proc.h"

#include "engine/fields_int.h"

/* ---- user.* / group.* ---- */

int f_user_uid(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	if (c->ev->has_syscall)
		return fval_num(v, c->ev->uid);
	return fctx_proc(c) ? fval_num(v, fctx_proc(c)->uid) : 0;
}

int f_group_gid(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	if (c->ev->has_syscall)
		return fval_num(v, c->ev->gid);
	return fctx_proc(c) ? fval_num(v, fctx_proc(c)->gid) : 0;
}

static int64_t loginuid(const struct kevent *ev)
{
	if (ev->auid == KEV_UNSET)
		return KEV_UNSET;
	return ev->auid == (int64_t)KEV_ID_UNSET ? -1 : ev->auid;
}

int f_user_loginuid(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	return fval_num(v, loginuid(c->ev));
}

static int idname(struct fctx *c, int64_t id, int group, struct fval *v, struct buf *b)
{
	char tmp[256];

	if (id == KEV_UNSET || id < 0)
		return 0;
	if (!engine_idname(c->engine, fctx_proc(c), id, group, tmp, sizeof(tmp)))
		return 0;
	buf_set(b, tmp, strlen(tmp));
	return fval_buf(v, b);
}

int f_user_name(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	struct fval u;
	if (!f_user_uid(c, r, &u, b))
		return 0;
	return idname(c, u.n, 0, v, b);
}

int f_user_loginname(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	return idname(c, loginuid(c->ev), 0, v, b);
}

int f_group_name(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	struct fval g;
	if (!f_group_gid(c, r, &g, b))
		return 0;
	return idname(c, g.n, 1, v, b);
}
