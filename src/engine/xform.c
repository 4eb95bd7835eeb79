/*
 * xform.c — field transformers beyond the single-field ones of eval.c:
 * their type checks (string transformers need strings; evt.type takes
 * none, because its values become the kernel's syscall filter) and the
 * multi-value transformers join(), concat() and getopt(), compiled from
 * parse.c's struct cmulti into a struct emulti and evaluated per event
 * from the same slot cache as fields.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "engine/ccomp.h"

/* Longest number rendered as a join()/concat() item. */
#define XF_NUMBUF 32

struct emarg {
	const char *lit; /* a literal, or NULL for a field */
	int slot;
	int nxf;
	enum cxform xf[CFIELD_MAX_XFORMS];
	struct buf b, a; /* transformer scratch */
};

struct emulti {
	enum cmulti_kind kind;
	const char *str;
	int nargs;
	struct emarg *args;
	unsigned char valid[256], witharg[256]; /* getopt's option string */
	struct buf out;                        /* the result; getopt: NUL-separated items */
	int nitems;
};

int ccomp_check_xforms(struct cerr *ce, const struct cfield *f, const struct field_def *def,
                       const char *key, enum ftype *t, const char *type, const char *name)
{
	if (f->nxforms && def && strcmp(def->name, "evt.type") == 0) {
		diag_add(ce->d, ENGINE_DIAG_ERROR, &f->pos, type, name,
		         "field 'evt.type' cannot take transformers");
		ce->errors++;
		return -1;
	}
	for (int i = 0; i < f->nxforms; i++) {
		if (f->xforms[i] != XF_LEN && *t != FT_STR && *t != FT_BYTES) {
			diag_add(ce->d, ENGINE_DIAG_ERROR, &f->pos, type, name,
			         "transformer '%s' needs a string, not %s field '%s'",
			         cparse_xform_name(f->xforms[i]), field_type_name(*t), key);
			ce->errors++;
			return -1;
		}
		*t = f->xforms[i] == XF_LEN ? FT_INT : FT_STR;
	}
	return 0;
}

static int cmv_error(struct cerr *ce, const struct cfield *f, const char *type, const char *name,
                     const char *msg)
{
	diag_add(ce->d, ENGINE_DIAG_ERROR, &f->pos, type, name, "%s", msg);
	ce->errors++;
	return -1;
}

/* One argument: a literal, or a field resolved to a slot. */
static int cmv_arg(struct cerr *ce, const struct cmulti *m, const struct cmarg *in,
                   struct emarg *out, const char *type, const char *name)
{
	const struct cfield *f = in->f;
	const char *dotarg;
	enum ftype t;

	out->slot = -1;
	if (!f) {
		out->lit = in->lit;
		return 0;
	}
	if (f->multi)
		return cmv_error(ce, f, type, name, "multi-value transformers cannot be nested");
	const struct field_def *def = field_lookup(f->name, &dotarg);
	if (!def)
		return cmv_error(ce, f, type, name, "unknown field in a transformer argument");
	struct fref r = {.def = def, .arg = dotarg ? dotarg : f->arg, .iarg = -1, .key = def->name};
	if (r.arg) {
		r.key = dotarg ? arena_strdup(&ce->e->arena, f->name)
		               : arena_printf(&ce->e->arena, "%s[%s]", f->name, r.arg);
		if (def->arg == FA_INDEX)
			r.iarg = strtol(r.arg, NULL, 10);
	}
	t = def->type;
	if (!r.key || ccomp_check_xforms(ce, f, def, r.key, &t, type, name) < 0)
		return -1;
	if (m->kind == MV_CONCAT && t != FT_STR)
		return cmv_error(ce, f, type, name, "concat() arguments must be strings");
	if (!def->fn && !ce->unsupported)
		ce->unsupported = r.key;
	out->slot = engine_slot(ce->e, &r);
	out->nxf = f->nxforms;
	memcpy(out->xf, f->xforms, sizeof(out->xf));
	return out->slot < 0 ? -1 : 0;
}

static void cmv_optstring(struct emulti *mv, const char *s)
{
	for (size_t i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ':')
			continue;
		mv->valid[c] = 1;
		if (s[i + 1] == ':')
			mv->witharg[c] = 1;
	}
}

struct emulti *ccomp_multi(struct cerr *ce, const struct cfield *f, const char *type,
                           const char *name)
{
	const struct cmulti *m = f->multi;
	struct emulti *mv = calloc(1, sizeof(*mv));

	if (!mv || !(mv->args = calloc((size_t)m->nargs + 1, sizeof(*mv->args)))) {
		free(mv);
		cexp_oom(ce, &f->pos, type, name);
		return NULL;
	}
	mv->kind = m->kind;
	mv->str = m->str;
	mv->nargs = m->nargs;
	for (int i = 0; i < m->nargs; i++)
		if (cmv_arg(ce, m, &m->args[i], &mv->args[i], type, name) < 0) {
			ccomp_multi_free(mv);
			return NULL;
		}
	if (m->kind == MV_GETOPT)
		cmv_optstring(mv, m->str);
	return mv;
}

void ccomp_multi_free(struct emulti *mv)
{
	if (!mv)
		return;
	for (int i = 0; i < mv->nargs; i++) {
		buf_free(&mv->args[i].b);
		buf_free(&mv->args[i].a);
	}
	buf_free(&mv->out);
	free(mv->args);
	free(mv);
}

int ccomp_multi_is_list(const struct emulti *mv)
{
	return mv->kind == MV_GETOPT;
}

/* The text of argument i for this event; NULL when its field is absent. */
static const char *cmv_text(struct engine *e, struct emarg *a, size_t *len, char *num)
{
	if (a->lit) {
		*len = strlen(a->lit);
		return a->lit;
	}
	const struct eslot *sl = engine_slot_get(e, a->slot);
	if (!sl->present)
		return NULL;
	const char *s = field_format(&sl->ref, &sl->val, num, XF_NUMBUF);
	int64_t n = 0;
	*len = strlen(s);
	if (!a->nxf)
		return s;
	s = ccomp_xforms(a->xf, a->nxf, &a->b, &a->a, s, len, &n);
	if (a->xf[a->nxf - 1] == XF_LEN) {
		snprintf(num, XF_NUMBUF, "%lld", (long long)n);
		*len = strlen(num);
		return num;
	}
	return s;
}

static void cmv_item(struct emulti *mv, const char *s, size_t n)
{
	buf_append(&mv->out, s, n);
	buf_append(&mv->out, "", 1); /* items are NUL-separated */
	mv->nitems++;
}

/* getopt(3)'s reading of argv: clusters (-nt), attached or separate
 * values, '?' for unknown options, "" for a missing value, stop at "--"
 * or the first operand; long options are skipped. */
static void cmv_getopt(struct emulti *mv)
{
	for (int idx = 0; idx < mv->nargs; idx++) {
		const char *a = mv->args[idx].lit;
		size_t n = strlen(a);
		if (strcmp(a, "--") == 0)
			break;
		if (n > 2 && a[0] == '-' && a[1] == '-')
			continue;
		if (n < 2 || a[0] != '-')
			break;
		for (size_t i = 1; i < n; i++) {
			unsigned char o = (unsigned char)a[i];
			if (!mv->valid[o]) {
				cmv_item(mv, "?", 1);
				continue;
			}
			if (!mv->witharg[o]) {
				cmv_item(mv, a + i, 1);
				continue;
			}
			if (i + 1 < n) {
				cmv_item(mv, a + i, 1);
				cmv_item(mv, a + i + 1, n - i - 1);
			} else if (idx + 1 < mv->nargs) {
				cmv_item(mv, a + i, 1);
				idx++;
				cmv_item(mv, mv->args[idx].lit, strlen(mv->args[idx].lit));
			} else {
				cmv_item(mv, "", 0);
			}
			break;
		}
	}
}

int ccomp_multi_eval(struct engine *e, struct emulti *mv, const char **s, size_t *len)
{
	char num[XF_NUMBUF];

	mv->out.len = 0;
	mv->nitems = 0;
	buf_set(&mv->out, "", 0);
	if (mv->kind == MV_GETOPT) {
		cmv_getopt(mv);
	} else {
		for (int i = 0; i < mv->nargs; i++) {
			size_t n;
			const char *t = cmv_text(e, &mv->args[i], &n, num);
			if (!t)
				return 0;
			if (i && mv->kind == MV_JOIN)
				buf_append(&mv->out, mv->str, strlen(mv->str));
			buf_append(&mv->out, t, n);
		}
	}
	*s = mv->out.p ? mv->out.p : "";
	*len = mv->out.len;
	return 1;
}

int ccomp_multi_items(const struct emulti *mv, int i, const char **s, size_t *len)
{
	const char *p = mv->out.p;

	if (i >= mv->nitems)
		return 0;
	while (i-- > 0)
		p += strlen(p) + 1;
	*s = p;
	*len = strlen(p);
	return 1;
}
