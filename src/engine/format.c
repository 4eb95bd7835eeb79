/*
 * format.c — rule output templates: "%proc.name", "%proc.aname[2]",
 * "%evt.arg.flags", "%toupper(proc.name)", "%10proc.name" (padded or cut
 * to 10 bytes) are compiled once into literal and field segments that
 * read the same per-event value cache as conditions. Unknown values print
 * <NA>; %container.info expands to nothing (Falco >= 0.40) with a warning.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "engine/ccomp.h"
#include "engine/engine_int.h"

#define OFMT_NA "<NA>"
/* Falco's deprecated token, accepted and expanded to nothing. */
#define OFMT_CONTAINER_INFO "container.info"
/* Longest number rendered in an output. */
#define OFMT_NUMBUF 32
/* Segments of a template's scratch at first (Falco's outputs have ~30). */
#define OFMT_SEGS_INITIAL 32

struct oseg {
	const char *lit; /* literal text, or NULL for a field */
	size_t litlen;
	int slot;
	int field_index; /* index in the alert's field list */
	int width;       /* %Nfield: pad or cut to N bytes; 0 none */
	int hidden;      /* an extra field: in the alert's fields, not the text */
	int nxf;         /* %toupper(field): transformers, innermost first */
	enum cxform xf[CFIELD_MAX_XFORMS];
};

struct ofmt {
	int nsegs;
	struct oseg *segs;
	int nfields;
	const char **keys; /* unique field keys, nfields */
	int *key_slot;
};

static int is_field_char(int c)
{
	return isalnum(c) || c == '_' || c == '.';
}

int ofmt_count_fields(const struct ofmt *f)
{
	return f ? f->nfields : 0;
}

/* State of one template compilation. */
struct ofmt_build {
	struct engine *e;
	const struct src_pos *pos;
	const char *rule;
	struct engine_diag *d;
	int *err;
	/* segments collected in malloc'ed scratch, copied to the arena at
	 * their final number: only what the template keeps takes arena room */
	struct oseg *segs;
	size_t nsegs, capsegs;
	struct ptrvec keys; /* unique field keys */
	int oom;            /* an allocation failed: reported once, at the end */
	int hidden;         /* compiling extra fields */
};

/* A zeroed segment at the end of b's scratch, NULL out of memory. */
static struct oseg *ob_seg(struct ofmt_build *b)
{
	if (b->nsegs == b->capsegs) {
		size_t cap = b->capsegs ? 2 * b->capsegs : OFMT_SEGS_INITIAL;
		struct oseg *v = realloc(b->segs, cap * sizeof(*v));
		if (!v) {
			b->oom = 1;
			return NULL;
		}
		b->segs = v;
		b->capsegs = cap;
	}
	struct oseg *seg = &b->segs[b->nsegs++];
	memset(seg, 0, sizeof(*seg));
	return seg;
}

static void ob_literal(struct ofmt_build *b, const char *s, size_t len)
{
	struct oseg *seg = ob_seg(b);

	if (!seg)
		return;
	seg->lit = s;
	seg->litlen = len;
}

/* A %field token ("proc.aname[2]", "evt.arg.flags") → a field segment
 * with the width and transformers of its token. */
static void ob_field(struct ofmt_build *b, char *tok, int width, const enum cxform *xf, int nxf)
{
	struct arena *a = &b->e->arena;
	struct cfield cf = {.name = tok, .pos = *b->pos};
	char *br = strchr(tok, '[');

	if (br) {
		*br = '\0';
		cf.arg = br + 1;
		br[strlen(br + 1)] = '\0'; /* drop ']' */
	}
	const char *dotarg = NULL;
	const struct field_def *def = field_lookup(cf.name, &dotarg);
	if (!def) {
		diag_add(b->d, ENGINE_DIAG_ERROR, b->pos, "rule", b->rule,
		         "invalid formatting token %%%s: unknown field", tok);
		(*b->err)++;
		return;
	}
	struct fref r = {.def = def, .arg = dotarg ? dotarg : cf.arg, .iarg = -1};
	if (def->arg == FA_INDEX && r.arg)
		r.iarg = strtol(r.arg, NULL, 10);
	if (dotarg)
		r.key = cf.name;
	else if (cf.arg)
		r.key = arena_printf(a, "%s[%s]", cf.name, cf.arg);
	else
		r.key = def->name;
	if (def->arg == FA_KEY && !r.arg && def->fn) {
		diag_add(b->d, ENGINE_DIAG_ERROR, b->pos, "rule", b->rule,
		         "invalid formatting token %%%s: field needs an argument", tok);
		(*b->err)++;
		return;
	}
	for (int i = 0; i < nxf; i++)
		if (xf[i] != XF_LEN && def->type != FT_STR && def->type != FT_BYTES) {
			diag_add(
			    b->d, ENGINE_DIAG_ERROR, b->pos, "rule", b->rule,
			    "invalid formatting token %%%s: transformer '%s' needs a string field",
			    tok, cparse_xform_name(xf[i]));
			(*b->err)++;
			return;
		}
	int slot = r.key ? engine_slot(b->e, &r) : -1;
	if (slot < 0) {
		b->oom = 1;
		return;
	}
	struct oseg *s = ob_seg(b);
	if (!s)
		return;
	s->slot = slot;
	s->lit = NULL;
	s->hidden = b->hidden;
	s->width = width;
	s->nxf = nxf;
	memcpy(s->xf, xf, sizeof(s->xf));
	s->field_index = -1;
	for (size_t k = 0; k < b->keys.n; k++)
		if (strcmp(b->keys.v[k], r.key) == 0)
			s->field_index = (int)k;
	if (s->field_index < 0) {
		s->field_index = (int)b->keys.n;
		if (ptrvec_push(a, &b->keys, (void *)b->e->slots[s->slot].ref.key) < 0)
			b->oom = 1;
	}
}

static void ob_error(struct ofmt_build *b, const char *msg, const char *at)
{
	diag_add(b->d, ENGINE_DIAG_ERROR, b->pos, "rule", b->rule,
	         "invalid formatting token at '%.16s': %s", at, msg);
	(*b->err)++;
}

static enum cxform ob_xform(const char *s, size_t n)
{
	for (int x = XF_TOLOWER; x <= XF_LEN; x++)
		if (strlen(cparse_xform_name((enum cxform)x)) == n &&
		    strncmp(s, cparse_xform_name((enum cxform)x), n) == 0)
			return (enum cxform)x;
	return XF_NONE;
}

/* Length of the longest known field name that starts s (n bytes of field
 * characters), as Falco reads "%proc.nameand" as proc.name + "and". */
static size_t ob_field_len(const char *s, size_t n)
{
	char name[128];
	const char *dotarg;

	for (; n > 0; n--) {
		if (n >= sizeof(name) || s[n - 1] == '.')
			continue;
		memcpy(name, s, n);
		name[n] = '\0';
		if (field_lookup(name, &dotarg))
			return n;
	}
	return 0;
}

static void ob_skip_blanks(const char *fmt, size_t *i)
{
	while (fmt[*i] == ' ' || fmt[*i] == '\t')
		(*i)++;
}

/* token -> [width] (xform '(' token ')' | field ['[' arg ']']), after the
 * '%'; *i moves past it. Returns -1 (reported) on a malformed token. */
static int ob_token(struct ofmt_build *b, const char *fmt, size_t *i)
{
	enum cxform xf[CFIELD_MAX_XFORMS];
	int width = 0, nxf = 0;
	const char *at = fmt + *i - 1;
	size_t j;

	while (isdigit((unsigned char)fmt[*i]) && width < 10000)
		width = width * 10 + (fmt[(*i)++] - '0');
	for (;;) {
		for (j = *i; is_field_char((unsigned char)fmt[j]); j++)
			;
		if (fmt[j] != '(')
			break;
		enum cxform x = ob_xform(fmt + *i, j - *i);
		if (x == XF_NONE || nxf == CFIELD_MAX_XFORMS) {
			ob_error(b, "not a transformer of outputs", at);
			return -1;
		}
		xf[nxf++] = x;
		*i = j + 1;
		ob_skip_blanks(fmt, i);
	}
	size_t flen = j - *i == strlen(OFMT_CONTAINER_INFO) &&
	                      strncmp(fmt + *i, OFMT_CONTAINER_INFO, j - *i) == 0
	                  ? j - *i
	                  : ob_field_len(fmt + *i, j - *i);
	if (flen == 0) {
		ob_error(b, fmt[*i] ? "unknown field" : "'%' at end of output", at);
		return -1;
	}
	j = *i + flen;
	if (fmt[j] == '[') {
		const char *close = strchr(fmt + j, ']');
		if (close)
			j = (size_t)(close - fmt) + 1;
	}
	char *tok = arena_strndup(&b->e->arena, fmt + *i, j - *i);
	*i = j;
	for (int k = 0; k < nxf; k++) {
		ob_skip_blanks(fmt, i);
		if (fmt[*i] != ')') {
			ob_error(b, "expected ')' after the transformer argument", at);
			return -1;
		}
		(*i)++;
	}
	/* innermost first, as conditions store them */
	for (int k = 0; k < nxf / 2; k++) {
		enum cxform t = xf[k];
		xf[k] = xf[nxf - 1 - k];
		xf[nxf - 1 - k] = t;
	}
	if (!tok)
		b->oom = 1;
	else if (strcmp(tok, OFMT_CONTAINER_INFO) == 0)
		diag_add(b->d, ENGINE_DIAG_WARNING, b->pos, "rule", b->rule,
		         "%%container.info is deprecated and expands to nothing");
	else
		ob_field(b, tok, width, xf, nxf);
	return 0;
}

/* Extra fields (append_output's extra_fields): field segments that fill
 * the alert's fields without printing. */
static void ob_extra(struct ofmt_build *b, const char *const *extra, int nextra)
{
	b->hidden = 1;
	for (int k = 0; k < nextra; k++) {
		size_t i = 0;
		const char *name = extra[k][0] == '%' ? extra[k] + 1 : extra[k];
		if (ob_token(b, name, &i) < 0)
			break;
	}
	b->hidden = 0;
}

/* template -> (literal | '%' field)*, then the extra fields */
struct ofmt *ofmt_compile(struct engine *e, const char *fmt, const char *const *extra, int nextra,
                          const struct src_pos *pos, const char *rule, struct engine_diag *d,
                          int *err)
{
	struct arena *a = &e->arena;
	struct ofmt *f = arena_alloc(a, sizeof(*f));
	struct ofmt_build b = {.e = e, .pos = pos, .rule = rule, .d = d, .err = err};
	size_t i = 0, lit = 0, n = strlen(fmt);

	*err = 0;
	if (!f) {
		diag_add(d, ENGINE_DIAG_ERROR, pos, "rule", rule,
		         "out of memory compiling the output");
		(*err)++;
		return NULL;
	}
	while (i <= n) {
		if (i < n && fmt[i] != '%') {
			i++;
			continue;
		}
		if (i > lit) /* flush literal [lit, i) */
			ob_literal(&b, fmt + lit, i - lit);
		if (i == n)
			break;
		i++;
		if (ob_token(&b, fmt, &i) < 0)
			break;
		lit = i;
	}
	if (!*err)
		ob_extra(&b, extra, nextra);
	f->nsegs = (int)b.nsegs;
	f->segs = arena_alloc(a, (b.nsegs + 1) * sizeof(*f->segs));
	if (f->segs && b.nsegs)
		memcpy(f->segs, b.segs, b.nsegs * sizeof(*f->segs));
	free(b.segs);
	if (!f->segs || b.oom) {
		diag_add(d, ENGINE_DIAG_ERROR, pos, "rule", rule,
		         "out of memory compiling the output");
		(*err)++;
		f->nsegs = 0;
		return f;
	}
	f->nfields = (int)b.keys.n;
	f->keys = (const char **)b.keys.v;
	return f;
}

/* A field with transformers or a width: transformed, then padded with
 * spaces or cut to the width. */
static void ofmt_append_seg(struct engine *e, const struct oseg *s, const char *txt, char *num)
{
	size_t len = strlen(txt);
	int64_t n = 0;

	if (s->nxf) {
		txt = ccomp_xforms(s->xf, s->nxf, &e->xfbuf, &e->xfabuf, txt, &len, &n);
		if (s->xf[s->nxf - 1] == XF_LEN) {
			snprintf(num, OFMT_NUMBUF, "%lld", (long long)n);
			txt = num;
			len = strlen(num);
		}
	}
	if (s->width && len > (size_t)s->width)
		len = (size_t)s->width;
	buf_append(&e->outbuf, txt, len);
	for (size_t k = len; k < (size_t)s->width; k++)
		buf_append(&e->outbuf, " ", 1);
}

const char *ofmt_render(struct engine *e, const struct ofmt *f, struct alert_field *fields)
{
	struct buf *b = &e->outbuf;
	char num[OFMT_NUMBUF];

	b->len = 0;
	buf_set(b, "", 0);
	for (int i = 0; i < f->nsegs; i++) {
		const struct oseg *s = &f->segs[i];
		if (s->lit) {
			buf_append(b, s->lit, s->litlen);
			continue;
		}
		const struct eslot *sl = engine_slot_get(e, s->slot);
		struct alert_field *af = &fields[s->field_index];
		af->name = sl->ref.key;
		if (!sl->present) {
			af->type = AV_NULL;
			af->str = NULL;
			if (!s->hidden)
				buf_append(b, OFMT_NA, strlen(OFMT_NA));
			continue;
		}
		const char *txt = field_format(&sl->ref, &sl->val, num, sizeof(num));
		switch (sl->ref.def->type) {
		case FT_INT:
			af->type = AV_INT;
			af->num = sl->val.n;
			af->str = NULL;
			break;
		case FT_BOOL:
			af->type = AV_BOOL;
			af->num = sl->val.n;
			af->str = NULL;
			break;
		default:
			af->type = AV_STRING;
			af->str = sl->val.s;
			break;
		}
		if (s->hidden)
			continue;
		if (s->nxf || s->width)
			ofmt_append_seg(e, s, txt, num);
		else
			buf_append(b, txt, strlen(txt));
	}
	return b->p;
}
