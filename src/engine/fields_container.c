/*
 * fields_container.c — extractors of the container.* and k8s.* fields from
 * the container the process source resolved for the event's process.
 */
#include <string.h>

#include "proc/container.h"

#include "engine/fields_int.h"

/* ---- container.* / k8s.* ---- */

#define CT_STR_FIELD(fname, member)                                                                \
	int fname(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)            \
	{                                                                                          \
		const struct container_info *ct = fctx_ct(c);                                      \
		return ct ? fval_str(v, ct->member) : 0;                                           \
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

int f_ct_id(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	const struct container_info *ct = fctx_ct(c);
	return ct ? fval_str(v, ct->id) : 0;
}

int f_ct_full_id(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	const struct container_info *ct = fctx_ct(c);
	if (!ct)
		return 0;
	return fval_str(v, ct->type == CT_HOST ? ct->id : ct->full_id);
}

int f_ct_name(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	const struct container_info *ct = fctx_ct(c);
	if (ct && ct->type == CT_HOST)
		return fval_str(v, "host");
	return f_ct_name_raw(c, r, v, b);
}

/* Falco's container.type spellings (kept here so the engine does not need
 * the container module linked). */
int f_ct_type(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	const struct container_info *ct = fctx_ct(c);
	/* Falco's container plugin says "host" for host processes */
	if (!ct)
		return 0;
	return fval_str(v, container_type_name(ct->type));
}

int f_ct_privileged(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	const struct container_info *ct = fctx_ct(c);
	if (!ct || ct->privileged < 0)
		return 0;
	v->n = ct->privileged != 0;
	return 1;
}
