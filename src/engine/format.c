/*
 * format.c — rule output templates: "%proc.name", "%proc.aname[2]",
 * "%evt.arg.flags" are compiled once into literal and field segments that
 * read the same per-event value cache as conditions. Unknown values print
 * <NA>; %container.info expands to nothing (Falco >= 0.40) with a warning.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

#define OFMT_NA "<NA>"
/* Longest number rendered in an output. */
#define OFMT_NUMBUF 32

struct oseg {
	const char *lit; /* literal text, or NULL for a field */
	size_t litlen;
	int slot;
	int field_index; /* index in the alert's field list */
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
	struct ptrvec segs; /* struct oseg * */
	struct ptrvec keys; /* unique field keys */
	int oom;            /* an allocation failed: reported once, at the end */
};

static void ob_literal(struct ofmt_build *b, const char *s, size_t len)
{
	struct oseg *seg = arena_alloc(&b->e->arena, sizeof(*seg));

	if (!seg) {
		b->oom = 1;
		return;
	}
	seg->lit = s;
	seg->litlen = len;
	if (ptrvec_push(&b->e->arena, &b->segs, seg) < 0)
		b->oom = 1;
}

/* A %field token ("proc.aname[2]", "evt.arg.flags") → a field segment. */
static void ob_field(struct ofmt_build *b, char *tok)
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
	struct oseg *s = arena_alloc(a, sizeof(*s));
	if (!s || !r.key || (s->slot = engine_slot(b->e, &r)) < 0) {
		b->oom = 1;
		return;
	}
	s->field_index = -1;
	for (size_t k = 0; k < b->keys.n; k++)
		if (strcmp(b->keys.v[k], r.key) == 0)
			s->field_index = (int)k;
	if (s->field_index < 0) {
		s->field_index = (int)b->keys.n;
		if (ptrvec_push(a, &b->keys, (void *)b->e->slots[s->slot].ref.key) < 0)
			b->oom = 1;
	}
	if (ptrvec_push(a, &b->segs, s) < 0)
		b->oom = 1;
}

/* template -> (literal | '%' field)* */
struct ofmt *ofmt_compile(struct engine *e, const char *fmt, const struct src_pos *pos,
                          const char *rule, struct engine_diag *d, int *err)
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
		size_t start = ++i;
		while (i < n && is_field_char((unsigned char)fmt[i]))
			i++;
		while (i > start && fmt[i - 1] == '.')
			i--;
		if (i < n && fmt[i] == '[') {
			const char *close = strchr(fmt + i, ']');
			if (close)
				i = (size_t)(close - fmt) + 1;
		}
		if (i == start) {
			if (start >= n) {
				diag_add(d, ENGINE_DIAG_ERROR, pos, "rule", rule,
				         "invalid formatting token: '%%' at end of output");
				(*err)++;
				break;
			}
			lit = start - 1; /* a lone '%' stays literal */
			continue;
		}
		char *tok = arena_strndup(a, fmt + start, i - start);
		lit = i;
		if (!tok)
			b.oom = 1;
		else if (strcmp(tok, "container.info") == 0)
			diag_add(d, ENGINE_DIAG_WARNING, pos, "rule", rule,
			         "%%container.info is deprecated and expands to nothing");
		else
			ob_field(&b, tok);
	}
	f->nsegs = (int)b.segs.n;
	f->segs = arena_alloc(a, (b.segs.n + 1) * sizeof(*f->segs));
	if (!f->segs || b.oom) {
		diag_add(d, ENGINE_DIAG_ERROR, pos, "rule", rule,
		         "out of memory compiling the output");
		(*err)++;
		f->nsegs = 0;
		return f;
	}
	for (size_t k = 0; k < b.segs.n; k++)
		f->segs[k] = *(struct oseg *)b.segs.v[k];
	f->nfields = (int)b.keys.n;
	f->keys = (const char **)b.keys.v;
	return f;
}

const char *ofmt_render(struct engine *e, const struct ofmt *f, struct alert_field *fields)
{
	struct fbuf *b = &e->outbuf;
	char num[OFMT_NUMBUF];

	b->len = 0;
	fbuf_set(b, "", 0);
	for (int i = 0; i < f->nsegs; i++) {
		const struct oseg *s = &f->segs[i];
		if (s->lit) {
			fbuf_append(b, s->lit, s->litlen);
			continue;
		}
		const struct eslot *sl = engine_slot_get(e, s->slot);
		struct alert_field *af = &fields[s->field_index];
		af->name = sl->ref.key;
		if (!sl->present) {
			af->type = AV_NULL;
			af->str = NULL;
			fbuf_append(b, OFMT_NA, strlen(OFMT_NA));
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
		fbuf_append(b, txt, strlen(txt));
	}
	return b->p;
}
