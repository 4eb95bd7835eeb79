/*
 * compile.c — turns the loaded collection into evaluable rules: expands
 * lists and macros (cycle = error), compiles exceptions into the condition
 * as Falco does, resolves each field to an extractor and a cache slot once,
 * builds hash and prefix sets for list operators, derives each rule's
 * event-type set (negation pushed to the leaves, other checks neutral) and
 * evaluates compiled conditions per event.
 */
#define _GNU_SOURCE
#define PCRE2_CODE_UNIT_WIDTH 8
#include <arpa/inet.h>
#include <ctype.h>
#include <fnmatch.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"
#include "engine/lex.h"
#include "engine/sets.h"

/* Deepest condition tree after macro expansion. */
#define CCOMP_MAX_DEPTH 400
/* Macro nesting beyond this is reported as a cycle. */
#define CCOMP_MAX_MACRO_NEST 64

enum ekind { EN_AND, EN_OR, EN_NOT, EN_CHECK };

struct cidr {
	int family;
	unsigned char addr[16];
	int bits;
};

struct echeck {
	int slot;
	struct fref ref;
	int any_anc; /* FA_INDEX field without index: any ancestor */
	enum ftype type;
	int nxf;
	enum cxform xf[CFIELD_MAX_XFORMS];
	struct fbuf xbuf, abuf;
	enum cop op;
	enum cmod mod;
	/* right-hand side */
	const char *s;
	size_t slen;
	int64_t n;
	int nvals;
	const char **vals;
	size_t *lens;
	int64_t *nums;
	struct sset *set;
	struct pset *pfx;
	struct cidr *nets;
	pcre2_code **re;
	pcre2_match_data *md;
	int rhs_slot;
};

struct enode {
	enum ekind kind;
	int cost; /* see field_cost(): operands of and/or run cheapest first */
	int nkids;
	struct enode **kids;
	struct echeck *chk;
};

struct cerr {
	struct engine *e;
	struct engine_diag *d;
	struct rl_rule *rule;
	int errors;
	const char *unsupported; /* first field without extractor in a condition */
	int unknown_field;       /* an error was an unknown field */
};

/* ---- evtset ---- */

static void es_all(struct evtset *s)
{
	memset(s->w, 0xff, sizeof(s->w));
}

static void es_none(struct evtset *s)
{
	memset(s->w, 0, sizeof(s->w));
}

static void es_set(struct evtset *s, int id)
{
	s->w[id / 64] |= 1ull << (id % 64);
}

static int es_has(const struct evtset *s, int id)
{
	return (s->w[id / 64] >> (id % 64)) & 1;
}

static void es_not(struct evtset *s)
{
	for (int i = 0; i < EVT_WORDS; i++)
		s->w[i] = ~s->w[i];
}

static void es_and(struct evtset *a, const struct evtset *b)
{
	for (int i = 0; i < EVT_WORDS; i++)
		a->w[i] &= b->w[i];
}

static void es_or(struct evtset *a, const struct evtset *b)
{
	for (int i = 0; i < EVT_WORDS; i++)
		a->w[i] |= b->w[i];
}

/* Falco's ppm_codes algorithm over the expanded tree. */
static void evttypes(struct engine *e, const struct cnode *n, int neg, struct evtset *out)
{
	struct evtset k;

	switch (n->kind) {
	case CN_AND:
	case CN_OR: {
		int inter = (n->kind == CN_AND) != neg;
		if (inter)
			es_all(out);
		else
			es_none(out);
		for (int i = 0; i < n->nkids; i++) {
			evttypes(e, n->kids[i], neg, &k);
			if (inter)
				es_and(out, &k);
			else
				es_or(out, &k);
		}
		return;
	}
	case CN_NOT:
		evttypes(e, n->kids[0], !neg, out);
		return;
	case CN_CHECK:
		if (strcmp(n->lhs.name, "evt.type") == 0 && !n->lhs.nxforms && !n->lhs.arg &&
		    (n->op == OP_EQ || n->op == OP_NE || n->op == OP_IN) && n->mod == MOD_NONE &&
		    n->rhs_kind != RHS_FIELD) {
			es_none(out);
			for (int i = 0; i < n->nvals; i++)
				es_set(out, engine_evt_id(e, n->vals[i], 1));
			if ((n->op == OP_NE) != neg)
				es_not(out);
			return;
		}
		es_all(out);
		return;
	default:
		es_all(out);
	}
}

void evtset_print(const struct engine *e, const struct evtset *s, FILE *out)
{
	int n = 0, total = 0;

	for (int i = 1; i < e->nevt; i++)
		total += es_has(s, i);
	if (total >= e->nevt - 1) {
		fputs("<all>", out);
		return;
	}
	for (int i = 1; i < e->nevt; i++)
		if (es_has(s, i))
			fprintf(out, "%s%s", n++ ? " " : "", e->evt_names[i]);
	if (n == 0)
		fputs("<none>", out);
}

/* ---- lists and macros ---- */

static struct rl_list *list_find(struct engine *e, const char *name)
{
	for (size_t i = 0; i < e->lists.n; i++) {
		struct rl_list *l = e->lists.v[i];
		if (strcmp(l->name, name) == 0)
			return l;
	}
	return NULL;
}

/* Expands list references among items (a list may name earlier lists). */
static void list_expand(struct engine *e, struct rl_list *l, int depth)
{
	struct ptrvec flat = {0};

	if (l->expanded)
		return;
	l->expanded = 1; /* also guards against loops */
	for (size_t i = 0; i < l->items.n; i++) {
		const char *it = l->items.v[i];
		struct rl_list *ref = list_find(e, it);
		if (ref && ref != l && depth < CCOMP_MAX_MACRO_NEST) {
			ref->used = 1;
			list_expand(e, ref, depth + 1);
			for (size_t k = 0; k < ref->nflat; k++)
				ptrvec_push(&e->arena, &flat, (void *)ref->flat[k]);
		} else {
			ptrvec_push(&e->arena, &flat, (void *)it);
		}
	}
	l->flat = (const char *const *)flat.v;
	l->nflat = flat.n;
}

static const char *const *lists_cb(void *arg, const char *name, size_t *n)
{
	struct engine *e = arg;
	struct rl_list *l = list_find(e, name);
	static const char *const empty[1] = {NULL};

	if (!l)
		return NULL;
	l->used = 1;
	list_expand(e, l, 0);
	*n = l->nflat;
	return l->nflat ? l->flat : empty;
}

static struct rl_macro *macro_find(struct engine *e, const char *name)
{
	for (size_t i = 0; i < e->macros.n; i++) {
		struct rl_macro *m = e->macros.v[i];
		if (strcmp(m->name, name) == 0)
			return m;
	}
	return NULL;
}

static struct cnode *parse_text(struct cerr *ce, const struct ptext *t, const char *type,
                                const char *name)
{
	struct cparse_ctx ctx = {
	    .arena = &ce->e->arena, .pm = &t->pm, .lists = lists_cb, .lists_arg = ce->e};
	struct cnode *n = cparse_condition(&ctx, t->s);

	if (!n) {
		diag_add(ce->d, ENGINE_DIAG_ERROR, &ctx.errpos, type, name, "%s", ctx.err);
		ce->errors++;
	}
	return n;
}

static struct cnode *expand(struct cerr *ce, struct cnode *n, const char *type, const char *name,
                            int nest);

static struct cnode *macro_tree(struct cerr *ce, struct rl_macro *m, int nest)
{
	if (m->state == 2)
		return m->ast;
	if (m->state == 3)
		return NULL;
	if (m->state == 1 || nest > CCOMP_MAX_MACRO_NEST) {
		diag_add(ce->d, ENGINE_DIAG_ERROR, &m->pos, "macro", m->name,
		         "Macro '%s' refers to itself (macro loop)", m->name);
		ce->errors++;
		m->state = 3;
		return NULL;
	}
	m->state = 1;
	struct cnode *ast = m->ast ? m->ast : parse_text(ce, &m->cond, "macro", m->name);
	if (ast)
		ast = expand(ce, ast, "macro", m->name, nest + 1);
	if (m->state == 3)
		return NULL;
	m->ast = ast;
	m->state = ast ? 2 : 3;
	return ast;
}

/* Replaces macro references with copies of the macro trees. */
static struct cnode *expand(struct cerr *ce, struct cnode *n, const char *type, const char *name,
                            int nest)
{
	if (n->kind == CN_MACRO) {
		struct rl_macro *m = macro_find(ce->e, n->macro);
		if (!m) {
			diag_add(ce->d, ENGINE_DIAG_ERROR, &n->pos, type, name,
			         "Undefined macro '%s' used in filter.", n->macro);
			ce->errors++;
			return NULL;
		}
		m->used = 1;
		struct cnode *t = macro_tree(ce, m, nest);
		return t ? cnode_copy(&ce->e->arena, t) : NULL;
	}
	int ok = 1;
	for (int i = 0; i < n->nkids; i++) {
		struct cnode *k = expand(ce, n->kids[i], type, name, nest);
		if (!k)
			ok = 0;
		else
			n->kids[i] = k;
	}
	return ok ? n : NULL;
}

/* ---- exceptions ---- */

/* Values for one exception operand: a list (items, list names expanded) or
 * one scalar. */
static int exc_values(struct engine *e, const struct rl_excval *v, int want_list, struct cnode *chk)
{
	struct ptrvec out = {0};

	if (v->is_list) {
		for (size_t i = 0; i < v->list.n; i++) {
			const char *it = v->list.v[i];
			size_t n = 0;
			const char *const *items = lists_cb(e, it, &n);
			if (items)
				for (size_t k = 0; k < n; k++)
					ptrvec_push(&e->arena, &out,
					            (void *)clex_item_value(&e->arena, items[k]));
			else
				ptrvec_push(&e->arena, &out,
				            (void *)clex_item_value(&e->arena, it));
		}
	} else {
		size_t n = 0;
		const char *const *items = lists_cb(e, v->s, &n);
		if (items)
			for (size_t k = 0; k < n; k++)
				ptrvec_push(&e->arena, &out,
				            (void *)clex_item_value(&e->arena, items[k]));
		else
			ptrvec_push(&e->arena, &out, (void *)clex_item_value(&e->arena, v->s));
	}
	if (!want_list && out.n != 1)
		return -1;
	chk->rhs_kind = want_list ? RHS_LIST : RHS_SCALAR;
	chk->nvals = (int)out.n;
	chk->vals = (const char **)out.v;
	return 0;
}

static struct cnode *exc_check(struct cerr *ce, const struct rl_exc *x, const char *field,
                               const char *comp, const struct rl_excval *v)
{
	struct engine *e = ce->e;
	struct cparse_ctx ctx = {.arena = &e->arena};
	struct cnode *c = cnode_new(&e->arena, CN_CHECK);
	enum cmod mod;

	c->pos = x->pos;
	if (cparse_field(&ctx, field, &c->lhs) < 0) {
		diag_add(ce->d, ENGINE_DIAG_ERROR, &x->pos, "exception", x->name,
		         "'%s' is not a supported filter field", field);
		ce->errors++;
		return NULL;
	}
	c->lhs.pos = x->pos;
	c->op = cparse_op(comp, &mod);
	c->mod = mod;
	if (c->op == OP_NONE || c->op == OP_EXISTS) {
		diag_add(ce->d, ENGINE_DIAG_ERROR, &x->pos, "exception", x->name,
		         "'%s' is not a supported comparison operator", comp);
		ce->errors++;
		return NULL;
	}
	int want_list = cparse_op_is_list(c->op) || mod != MOD_NONE;
	if (exc_values(e, v, want_list, c) < 0) {
		diag_add(ce->d, ENGINE_DIAG_ERROR, &v->pos, "exception", x->name,
		         "operator '%s' needs a single value", comp);
		ce->errors++;
		return NULL;
	}
	return c;
}

/* cond and not (exc1) and not (exc2) ... */
static struct cnode *apply_exceptions(struct cerr *ce, struct rl_rule *r, struct cnode *cond)
{
	struct engine *e = ce->e;
	struct cnode *top = NULL;

	for (size_t i = 0; i < r->excs.n; i++) {
		struct rl_exc *x = r->excs.v[i];
		struct cnode *ex = NULL;
		size_t nf = x->fields.n;

		if (!nf) {
			diag_add(ce->d, ENGINE_DIAG_ERROR, &x->pos, "exception", x->name,
			         "Item has no mapping for key 'fields'");
			ce->errors++;
			continue;
		}
		int badf = 0;
		for (size_t f = 0; f < nf; f++) {
			struct cparse_ctx fctx = {.arena = &e->arena};
			struct cfield cf;
			const char *dotarg;
			if (cparse_field(&fctx, x->fields.v[f], &cf) < 0 ||
			    !field_lookup(cf.name, &dotarg)) {
				diag_add(ce->d, ENGINE_DIAG_ERROR, &x->pos, "exception", x->name,
				         "'%s' is not a supported filter field",
				         (const char *)x->fields.v[f]);
				ce->errors++;
				badf = 1;
			}
		}
		if (badf)
			continue;
		if (x->fields_is_list) {
			if (x->comps.n && x->comps.n != nf) {
				diag_add(ce->d, ENGINE_DIAG_ERROR, &x->pos, "exception", x->name,
				         "Fields and comps lists must have equal length");
				ce->errors++;
				continue;
			}
			for (size_t k = 0; k < x->comps.n; k++) {
				enum cmod m;
				if (cparse_op(x->comps.v[k], &m) == OP_NONE) {
					diag_add(ce->d, ENGINE_DIAG_ERROR, &x->pos, "exception",
					         x->name,
					         "'%s' is not a supported comparison operator",
					         (const char *)x->comps.v[k]);
					ce->errors++;
					goto next;
				}
			}
			if (!x->values.n)
				continue;
			ex = cnode_new(&e->arena, CN_OR);
			ex->pos = x->pos;
			for (size_t t = 0; t < x->values.n; t++) {
				struct rl_excval *tv = x->values.v[t];
				if (tv->is_list != 2 || tv->list.n != nf) {
					diag_add(ce->d, ENGINE_DIAG_ERROR, &tv->pos, "exception",
					         x->name,
					         "Fields and values lists must have equal length");
					ce->errors++;
					goto next;
				}
				struct cnode *conj = cnode_new(&e->arena, CN_AND);
				conj->pos = tv->pos;
				for (size_t f = 0; f < nf; f++) {
					const char *comp = x->comps.n ? x->comps.v[f] : "=";
					struct cnode *c =
					    exc_check(ce, x, x->fields.v[f], comp, tv->list.v[f]);
					if (!c)
						goto next;
					cnode_add_kid(&e->arena, conj, c);
				}
				cnode_add_kid(&e->arena, ex, conj);
			}
		} else {
			const char *comp = x->comps.n ? x->comps.v[0] : "in";
			enum cmod m;
			enum cop op = cparse_op(comp, &m);
			if (!cparse_op_is_list(op) && m == MOD_NONE) {
				diag_add(
				    ce->d, ENGINE_DIAG_ERROR, &x->pos, "exception", x->name,
				    "When fields is a single value, comps must be one of (in, "
				    "pmatch, intersects) or a string operator with oneof, anyof, "
				    "allof");
				ce->errors++;
				continue;
			}
			if (!x->values.n)
				continue;
			struct rl_excval all = {.is_list = 1, .pos = x->pos};
			for (size_t t = 0; t < x->values.n; t++) {
				struct rl_excval *v = x->values.v[t];
				if (v->is_list)
					for (size_t k = 0; k < v->list.n; k++)
						ptrvec_push(&e->arena, &all.list, v->list.v[k]);
				else
					ptrvec_push(&e->arena, &all.list, (void *)v->s);
			}
			ex = exc_check(ce, x, x->fields.v[0], comp, &all);
			if (!ex)
				continue;
		}
		if (!top) {
			top = cnode_new(&e->arena, CN_AND);
			top->pos = cond->pos;
			cnode_add_kid(&e->arena, top, cond);
		}
		struct cnode *neg = cnode_new(&e->arena, CN_NOT);
		neg->pos = ex->pos;
		cnode_add_kid(&e->arena, neg, ex);
		cnode_add_kid(&e->arena, top, neg);
	next:;
	}
	return top ? top : cond;
}

/* ---- field resolution ---- */

static int resolve_field(struct cerr *ce, const struct cfield *f, struct fref *r, const char *type,
                         const char *name, int in_condition)
{
	const char *dotarg = NULL;
	const struct field_def *def = field_lookup(f->name, &dotarg);

	memset(r, 0, sizeof(*r));
	r->iarg = -1;
	if (!def) {
		diag_add(ce->d, ENGINE_DIAG_ERROR, &f->pos, type, name,
		         "unknown field '%s' (nonexistent field)", f->name);
		ce->errors++;
		ce->unknown_field = 1;
		return -1;
	}
	r->def = def;
	r->arg = dotarg ? dotarg : f->arg;
	if (!def->fn) {
		/* unsupported: no argument checks, the rule is skipped anyway */
	} else if (def->arg == FA_NONE && r->arg) {
		diag_add(ce->d, ENGINE_DIAG_ERROR, &f->pos, type, name,
		         "field '%s' does not take an argument", f->name);
		ce->errors++;
		return -1;
	} else if (def->arg == FA_KEY && !r->arg) {
		diag_add(ce->d, ENGINE_DIAG_ERROR, &f->pos, type, name,
		         "field '%s' requires an argument", f->name);
		ce->errors++;
		return -1;
	}
	if (def->arg == FA_INDEX && r->arg && def->fn) {
		char *end;
		long v = strtol(r->arg, &end, 10);
		if (*end || v < 0) {
			diag_add(ce->d, ENGINE_DIAG_ERROR, &f->pos, type, name,
			         "field '%s' needs a numeric index, not '%s'", f->name, r->arg);
			ce->errors++;
			return -1;
		}
		r->iarg = v;
	}
	if (dotarg)
		r->key = arena_strdup(&ce->e->arena, f->name);
	else if (r->arg)
		r->key = arena_printf(&ce->e->arena, "%s[%s]", f->name, r->arg);
	else
		r->key = def->name;
	if (!def->fn && in_condition && !ce->unsupported)
		ce->unsupported = r->key;
	return 0;
}

/* ---- check compilation ---- */

static int parse_cidr(const char *s, struct cidr *c)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	memset(c, 0, sizeof(*c));
	if (inet_pton(AF_INET, buf, c->addr) == 1) {
		c->family = AF_INET;
		c->bits = 32;
	} else if (inet_pton(AF_INET6, buf, c->addr) == 1) {
		c->family = AF_INET6;
		c->bits = 128;
	} else {
		return -1;
	}
	if (slash) {
		char *end;
		long b = strtol(slash + 1, &end, 10);
		if (*end || b < 0 || b > c->bits)
			return -1;
		c->bits = (int)b;
	}
	return 0;
}

static int cidr_has(const struct cidr *c, int family, const unsigned char *a)
{
	int full = c->bits / 8, rest = c->bits % 8;

	if (c->family != family)
		return 0;
	if (memcmp(c->addr, a, (size_t)full) != 0)
		return 0;
	if (rest) {
		unsigned char m = (unsigned char)(0xff << (8 - rest));
		return (c->addr[full] & m) == (a[full] & m);
	}
	return 1;
}

static int hexbytes(struct arena *a, const char *s, const char **out, size_t *len)
{
	size_t n = strlen(s);
	char *b;

	if (n % 2)
		return -1;
	b = arena_alloc(a, n / 2 + 1);
	for (size_t i = 0; i < n; i += 2) {
		unsigned int v;
		if (!isxdigit((unsigned char)s[i]) || !isxdigit((unsigned char)s[i + 1]) ||
		    sscanf(s + i, "%2x", &v) != 1)
			return -1;
		b[i / 2] = (char)v;
	}
	*out = b;
	*len = n / 2;
	return 0;
}

static int op_ok_for(enum cop op, enum ftype t)
{
	switch (t) {
	case FT_INT:
		return op == OP_EQ || op == OP_NE || op == OP_LT || op == OP_LE || op == OP_GT ||
		       op == OP_GE || op == OP_IN || op == OP_INTERSECTS || op == OP_EXISTS;
	case FT_BOOL:
		return op == OP_EQ || op == OP_NE || op == OP_EXISTS;
	default:
		return 1;
	}
}

static struct echeck *compile_check(struct cerr *ce, const struct cnode *n, const char *type,
                                    const char *name)
{
	struct engine *e = ce->e;
	struct echeck *k = calloc(1, sizeof(*k));

	if (!k || ptrvec_push(&e->arena, &e->checks, k) < 0) {
		free(k);
		return NULL;
	}
	if (resolve_field(ce, &n->lhs, &k->ref, type, name, 1) < 0)
		return NULL;
	k->slot = engine_slot(e, &k->ref);
	k->any_anc = k->ref.def->arg == FA_INDEX && k->ref.iarg < 0;
	k->type = k->ref.def->type;
	k->nxf = n->lhs.nxforms;
	for (int i = 0; i < k->nxf; i++) {
		k->xf[i] = n->lhs.xforms[i];
		if (k->xf[i] == XF_LEN)
			k->type = FT_INT;
		else
			k->type = FT_STR;
	}
	k->op = n->op;
	k->mod = n->mod;
	k->rhs_slot = -1;
	if (k->type == FT_IPNET && k->op != OP_EQ && k->op != OP_NE && k->op != OP_IN &&
	    k->op != OP_INTERSECTS && k->op != OP_EXISTS)
		k->type = FT_STR;
	if (!op_ok_for(k->op, k->type) || (k->mod && k->type != FT_STR)) {
		diag_add(ce->d, ENGINE_DIAG_ERROR, &n->pos, type, name,
		         "operator '%s' cannot be used with field '%s' (%s)", cparse_op_name(k->op),
		         k->ref.key, field_type_name(k->type));
		ce->errors++;
		return NULL;
	}
	if (k->op == OP_EXISTS)
		return k;
	if (n->rhs_kind == RHS_FIELD) {
		struct fref rr;
		if (resolve_field(ce, &n->rhs, &rr, type, name, 1) < 0)
			return NULL;
		k->rhs_slot = engine_slot(e, &rr);
		return k;
	}
	/* once per written check: macro copies share their value list */
	for (size_t i = 0; i < e->na_warned.n; i++)
		if (e->na_warned.v[i] == (void *)n->vals)
			goto warned;
	for (int i = 0; i < n->nvals; i++)
		if (strcmp(n->vals[i], "<NA>") == 0) {
			ptrvec_push(&e->arena, &e->na_warned, (void *)n->vals);
			diag_add(ce->d, ENGINE_DIAG_WARNING, &n->pos, type, name,
			         "comparing a field value with \"<NA>\" is unsafe: unknown values "
			         "never compare equal (use 'exists')");
			break;
		}
warned:
	k->nvals = n->nvals;
	k->vals = n->vals;
	k->lens = arena_alloc(&e->arena, (size_t)(n->nvals + 1) * sizeof(*k->lens));
	for (int i = 0; i < n->nvals; i++)
		k->lens[i] = strlen(n->vals[i]);
	if (n->nvals > 0) {
		k->s = n->vals[0];
		k->slen = k->lens[0];
	}
	if (k->type == FT_INT || k->type == FT_BOOL) {
		const char *bad = "";
		k->nums = arena_alloc(&e->arena, (size_t)(n->nvals + 1) * sizeof(*k->nums));
		for (int i = 0; i < n->nvals; i++) {
			const char *v = n->vals[i];
			char *end;
			bad = v;
			if (k->type == FT_BOOL) {
				if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
					k->nums[i] = 1;
				else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
					k->nums[i] = 0;
				else
					goto badnum;
				continue;
			}
			k->nums[i] = strtoll(v, &end, 0);
			if (*v == '\0' || *end)
				goto badnum;
		}
		k->n = n->nvals ? k->nums[0] : 0;
		return k;
	badnum:
		diag_add(ce->d, ENGINE_DIAG_ERROR, &n->pos, type, name,
		         "'%s' is not a valid %s value for field '%s'", bad,
		         k->type == FT_BOOL ? "boolean" : "numeric", k->ref.key);
		ce->errors++;
		return NULL;
	}
	if (k->type == FT_IPNET) {
		k->nets = arena_alloc(&e->arena, (size_t)(n->nvals + 1) * sizeof(*k->nets));
		for (int i = 0; i < n->nvals; i++)
			if (parse_cidr(n->vals[i], &k->nets[i]) < 0) {
				diag_add(ce->d, ENGINE_DIAG_ERROR, &n->pos, type, name,
				         "'%s' is not a valid IP address or network", n->vals[i]);
				ce->errors++;
				return NULL;
			}
		return k;
	}
	switch (k->op) {
	case OP_IN:
	case OP_INTERSECTS:
		k->set = sset_new(&e->arena, n->vals, (size_t)n->nvals);
		break;
	case OP_PMATCH:
		k->pfx = pset_new(&e->arena, n->vals, (size_t)n->nvals, 1);
		break;
	case OP_BCONTAINS:
	case OP_BSTARTSWITH:
		for (int i = 0; i < n->nvals; i++)
			if (hexbytes(&e->arena, n->vals[i], &k->vals[i], &k->lens[i]) < 0) {
				diag_add(ce->d, ENGINE_DIAG_ERROR, &n->pos, type, name,
				         "'%s' is not a hex byte string", n->vals[i]);
				ce->errors++;
				return NULL;
			}
		k->s = k->vals[0];
		k->slen = k->lens[0];
		break;
	case OP_REGEX:
		k->re = arena_alloc(&e->arena, (size_t)(n->nvals + 1) * sizeof(*k->re));
		for (int i = 0; i < n->nvals; i++) {
			int ec;
			PCRE2_SIZE eo;
			k->re[i] =
			    pcre2_compile((PCRE2_SPTR)n->vals[i], PCRE2_ZERO_TERMINATED,
			                  PCRE2_ANCHORED | PCRE2_ENDANCHORED, &ec, &eo, NULL);
			if (!k->re[i]) {
				PCRE2_UCHAR msg[128];
				pcre2_get_error_message(ec, msg, sizeof(msg));
				diag_add(ce->d, ENGINE_DIAG_ERROR, &n->pos, type, name,
				         "invalid regular expression '%s': %s", n->vals[i],
				         (const char *)msg);
				ce->errors++;
				return NULL;
			}
		}
		k->nvals = n->nvals;
		k->md = pcre2_match_data_create(1, NULL);
		break;
	default:
		break;
	}
	return k;
}

void ccomp_free_checks(struct engine *e)
{
	for (size_t i = 0; i < e->checks.n; i++) {
		struct echeck *k = e->checks.v[i];
		if (k->re)
			for (int j = 0; j < k->nvals; j++)
				if (k->re[j])
					pcre2_code_free(k->re[j]);
		if (k->md)
			pcre2_match_data_free(k->md);
		fbuf_free(&k->xbuf);
		fbuf_free(&k->abuf);
		free(k);
	}
	e->checks.n = 0;
}

static int tree_depth(const struct cnode *n)
{
	int d = 0;

	for (int i = 0; i < n->nkids; i++) {
		int k = tree_depth(n->kids[i]);
		if (k > d)
			d = k;
		if (d > CCOMP_MAX_DEPTH)
			break;
	}
	return d + 1;
}

/* Relative cost of reading a field: 0 in the event records, 1 a walk of
 * the process table, 2 a user/group name lookup, 3 the container (a
 * /proc/<pid>/cgroup read on first use in live mode), 4 a /proc read per
 * event. Conditions have no side effects, so and/or operands may run in
 * cost order; costly fields are then read only for the few events that pass
 * the cheap tests. */
static int field_cost(const char *name)
{
	static const struct {
		const char *prefix;
		int cost;
	} costs[] = {
	    {"thread.cap", 4},     {"container.", 3},    {"k8s.", 3},       {"user.name", 2},
	    {"user.loginname", 2}, {"group.name", 2},    {"proc.aname", 1}, {"proc.apid", 1},
	    {"proc.aexe", 1},      {"proc.acmdline", 1}, {"proc.pname", 1}, {"proc.pexe", 1},
	    {"proc.pcmdline", 1},  {"proc.sname", 1},
	};
	for (size_t i = 0; i < sizeof(costs) / sizeof(costs[0]); i++)
		if (strncmp(name, costs[i].prefix, strlen(costs[i].prefix)) == 0)
			return costs[i].cost;
	return 0;
}

/* Stable insertion sort of and/or operands by cost. */
static void order_by_cost(struct enode *n)
{
	for (int i = 1; i < n->nkids; i++) {
		struct enode *k = n->kids[i];
		int j = i - 1;
		while (j >= 0 && n->kids[j]->cost > k->cost) {
			n->kids[j + 1] = n->kids[j];
			j--;
		}
		n->kids[j + 1] = k;
	}
}

static struct enode *compile_node(struct cerr *ce, const struct cnode *n, const char *type,
                                  const char *name)
{
	struct enode *en = arena_alloc(&ce->e->arena, sizeof(*en));

	switch (n->kind) {
	case CN_AND:
		en->kind = EN_AND;
		break;
	case CN_OR:
		en->kind = EN_OR;
		break;
	case CN_NOT:
		en->kind = EN_NOT;
		break;
	case CN_CHECK:
		en->kind = EN_CHECK;
		en->chk = compile_check(ce, n, type, name);
		en->cost = field_cost(n->lhs.name);
		if (n->rhs_kind == RHS_FIELD && field_cost(n->rhs.name) > en->cost)
			en->cost = field_cost(n->rhs.name);
		return en->chk ? en : NULL;
	default:
		return NULL;
	}
	en->nkids = n->nkids;
	en->kids = arena_alloc(&ce->e->arena, (size_t)n->nkids * sizeof(*en->kids));
	int ok = 1;
	for (int i = 0; i < n->nkids; i++) {
		if (!(en->kids[i] = compile_node(ce, n->kids[i], type, name)))
			ok = 0;
		else if (en->kids[i]->cost > en->cost)
			en->cost = en->kids[i]->cost;
	}
	if (ok && en->kind != EN_NOT)
		order_by_cost(en);
	return ok ? en : NULL;
}

/* Merges sibling `startswith` checks on one field inside an `or` into one
 * prefix-set check. */
static void merge_prefixes(struct engine *e, struct enode *n)
{
	for (int i = 0; i < n->nkids; i++)
		merge_prefixes(e, n->kids[i]);
	if (n->kind != EN_OR)
		return;
	for (int i = 0; i < n->nkids; i++) {
		struct echeck *a = n->kids[i]->kind == EN_CHECK ? n->kids[i]->chk : NULL;
		if (!a || a->op != OP_STARTSWITH || a->nxf || a->mod || a->any_anc ||
		    a->rhs_slot >= 0 || a->pfx)
			continue;
		struct ptrvec vals = {0};
		ptrvec_push(&e->arena, &vals, (void *)a->s);
		int out = i + 1;
		for (int j = i + 1; j < n->nkids; j++) {
			struct echeck *b = n->kids[j]->kind == EN_CHECK ? n->kids[j]->chk : NULL;
			if (b && b->op == OP_STARTSWITH && b->slot == a->slot && !b->nxf &&
			    !b->mod && !b->any_anc && b->rhs_slot < 0 && !b->pfx) {
				ptrvec_push(&e->arena, &vals, (void *)b->s);
				continue;
			}
			n->kids[out++] = n->kids[j];
		}
		n->nkids = out;
		if (vals.n > 1)
			a->pfx = pset_new(&e->arena, (const char *const *)vals.v, vals.n, 0);
	}
}

static void skip_rule(struct rl_rule *r, const char *reason)
{
	r->active = 0;
	if (!r->skip_reason)
		r->skip_reason = reason;
}

static int compile_rule_in(struct engine *e, struct rl_rule *r, struct engine_diag *d,
                           struct engine_diag *final, int *errs)
{
	struct cerr ce = {.e = e, .d = d, .rule = r};
	struct cnode *ast;

	r->active = 0;
	r->skip_reason = NULL;
	if (strcmp(r->source, "syscall") != 0) {
		diag_add(d, ENGINE_DIAG_NOTE, &r->pos, "rule", r->name,
		         "Unknown source %s, skipping", r->source);
		skip_rule(r, arena_printf(&e->arena, "source '%s' is not evaluated", r->source));
		return 0;
	}
	ast = parse_text(&ce, &r->cond, "rule", r->name);
	if (ast)
		ast = expand(&ce, ast, "rule", r->name, 0);
	if (ast)
		ast = apply_exceptions(&ce, r, ast);
	if (ast && tree_depth(ast) > CCOMP_MAX_DEPTH) {
		diag_add(d, ENGINE_DIAG_ERROR, &r->pos, "rule", r->name,
		         "condition nested too deeply after macro expansion (limit %d)",
		         CCOMP_MAX_DEPTH);
		ce.errors++;
		ast = NULL;
	}
	if (ast) {
		r->ast = ast;
		r->root = compile_node(&ce, ast, "rule", r->name);
		if (r->root)
			merge_prefixes(e, r->root);
		evttypes(e, ast, 0, &r->types);
		r->ntypes = 0;
		for (int i = 0; i < e->nevt; i++)
			r->ntypes += es_has(&r->types, i);
	}
	if (!ce.errors) {
		int ferr = 0;
		const char *fmt = r->output;
		if (e->append_output && *e->append_output)
			fmt = arena_printf(&e->arena, "%s %s", r->output, e->append_output);
		r->fmt = ofmt_compile(e, fmt, &r->output_pos, r->name, d, &ferr);
		if (ferr) {
			ce.errors += ferr;
			ce.unknown_field = 1;
		} else
			r->afields =
			    arena_alloc(&e->arena, (size_t)(ofmt_count_fields(r->fmt) + 1) *
			                               sizeof(*r->afields));
	}
	if (ce.errors) {
		if (r->skip_unknown && ce.unknown_field) {
			/* Falco turns this into a warning and skips the rule. */
			diag_add(final, ENGINE_DIAG_WARNING, &r->pos, "rule", r->name,
			         "Rule uses an unknown field; skipped (skip-if-unknown-filter)");
			skip_rule(r, "unknown field (skip-if-unknown-filter)");
			return 1;
		}
		*errs += ce.errors;
		skip_rule(r, "does not compile");
		return 0;
	}
	if (ce.unsupported) {
		skip_rule(r, arena_printf(&e->arena, "field %s cannot be supplied from audit data",
		                          ce.unsupported));
		diag_add(d, ENGINE_DIAG_WARNING, &r->pos, "rule", r->name,
		         "skipped: condition uses field %s, which audit data cannot supply",
		         ce.unsupported);
		return 0;
	}
	if (r->warn_evttypes && r->ntypes > EVT_WARN_THRESHOLD)
		diag_add(d, ENGINE_DIAG_WARNING, &r->pos, "rule", r->name,
		         "Rule matches too many evt.type values. This has a significant "
		         "performance penalty.");
	if (r->ntypes == 0) {
		skip_rule(r, "condition can never match any event type");
		return 0;
	}
	if (!r->selected) {
		skip_rule(r, "disabled");
		return 0;
	}
	if (r->priority > (int)e->min_priority) {
		skip_rule(r, "priority below the configured minimum");
		return 0;
	}
	r->active = 1;
	return 0;
}

/* Diagnostics of one rule are collected apart: with
 * skip-if-unknown-filter an unknown field is only a warning. */
static void compile_rule(struct engine *e, struct rl_rule *r, struct engine_diag *d, int *errs)
{
	struct engine_diag *tmp = engine_diag_new();

	if (!tmp) {
		(*errs)++;
		return;
	}
	if (compile_rule_in(e, r, tmp, d, errs) == 0)
		diag_append(d, tmp);
	engine_diag_free(tmp);
}

static int glob_match(const char *pat, const char *s, int icase)
{
	return fnmatch(pat, s, icase ? FNM_CASEFOLD : 0) == 0;
}

int ccomp_rules(struct engine *e, struct engine_diag *d)
{
	int errs = 0;
	struct cerr ce = {.e = e, .d = d};

	/* Every macro must parse, used or not (Falco compiles them all). */
	for (size_t i = 0; i < e->macros.n; i++) {
		struct rl_macro *m = e->macros.v[i];
		if (!m->ast && m->state == 0) {
			m->ast = parse_text(&ce, &m->cond, "macro", m->name);
			if (!m->ast)
				m->state = 3;
		}
	}
	errs += ce.errors;
	for (size_t i = 0; i < e->rules.n; i++) {
		struct rl_rule *r = e->rules.v[i];
		r->selected = r->enabled;
		for (size_t s = 0; s < e->selects.n; s++) {
			struct rl_select *sel = e->selects.v[s];
			int hit = 0;
			if (sel->by_tag) {
				for (size_t t = 0; t < r->tags.n; t++)
					if (strcmp(r->tags.v[t], sel->pattern) == 0)
						hit = 1;
			} else {
				hit = glob_match(sel->pattern, r->name, 0);
			}
			if (hit)
				r->selected = sel->enable;
		}
		compile_rule(e, r, d, &errs);
	}
	/* Macros no rule reached are still resolved (their references count
	 * as uses), then unused macros and lists are reported as Falco does. */
	ce.errors = 0;
	for (size_t i = 0; i < e->macros.n; i++) {
		struct rl_macro *m = e->macros.v[i];
		if (m->state == 0 && m->ast)
			macro_tree(&ce, m, 0);
	}
	errs += ce.errors;
	for (size_t i = 0; i < e->macros.n; i++) {
		struct rl_macro *m = e->macros.v[i];
		if (!m->used)
			diag_add(d, ENGINE_DIAG_WARNING, &m->pos, "macro", m->name,
			         "Macro not referred to by any other rule/macro");
	}
	for (size_t i = 0; i < e->lists.n; i++) {
		struct rl_list *l = e->lists.v[i];
		if (!l->used)
			diag_add(d, ENGINE_DIAG_WARNING, &l->pos, "list", l->name,
			         "List not referred to by any other rule/macro");
	}
	return errs;
}

/* ---- evaluation ---- */

static const char *apply_xforms(struct echeck *k, const char *s, size_t *len, int64_t *num)
{
	struct fbuf *b = &k->xbuf;

	for (int i = 0; i < k->nxf; i++) {
		switch (k->xf[i]) {
		case XF_TOLOWER:
		case XF_TOUPPER:
			fbuf_set(b, s, *len);
			for (size_t j = 0; j < b->len; j++)
				b->p[j] = (char)(k->xf[i] == XF_TOLOWER
				                     ? tolower((unsigned char)b->p[j])
				                     : toupper((unsigned char)b->p[j]));
			s = b->p;
			break;
		case XF_BASENAME: {
			const char *sl = memrchr(s, '/', *len);
			if (sl) {
				*len -= (size_t)(sl + 1 - s);
				s = sl + 1;
			}
			break;
		}
		case XF_B64: {
			static const char tbl[] =
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
			uint32_t acc = 0;
			int bits = 0;
			struct fbuf tmp = *b;
			char out[1];
			/* decode into the buffer (input may live in it: copy first) */
			fbuf_set(&k->abuf, s, *len);
			tmp.len = 0;
			fbuf_set(&tmp, "", 0);
			for (size_t j = 0; j < k->abuf.len; j++) {
				const char *p = strchr(tbl, k->abuf.p[j]);
				if (!p || !*p)
					break;
				acc = (acc << 6) | (uint32_t)(p - tbl);
				bits += 6;
				if (bits >= 8) {
					bits -= 8;
					out[0] = (char)((acc >> bits) & 0xff);
					fbuf_append(&tmp, out, 1);
				}
			}
			*b = tmp;
			s = b->p;
			*len = b->len;
			break;
		}
		case XF_LEN:
			*num = (int64_t)*len;
			break;
		default:
			break;
		}
	}
	return s;
}

static int cmp_str_one(struct echeck *k, enum cop op, const char *s, size_t len, const char *r,
                       size_t rlen, int ri)
{
	switch (op) {
	case OP_EQ:
		return len == rlen && memcmp(s, r, len) == 0;
	case OP_NE:
		return !(len == rlen && memcmp(s, r, len) == 0);
	case OP_LT:
		return strcmp(s, r) < 0;
	case OP_LE:
		return strcmp(s, r) <= 0;
	case OP_GT:
		return strcmp(s, r) > 0;
	case OP_GE:
		return strcmp(s, r) >= 0;
	case OP_CONTAINS:
	case OP_BCONTAINS:
		return memmem(s, len, r, rlen) != NULL;
	case OP_ICONTAINS:
		return strcasestr(s, r) != NULL;
	case OP_STARTSWITH:
	case OP_BSTARTSWITH:
		return len >= rlen && memcmp(s, r, rlen) == 0;
	case OP_ENDSWITH:
		return len >= rlen && memcmp(s + len - rlen, r, rlen) == 0;
	case OP_GLOB:
		return glob_match(r, s, 0);
	case OP_IGLOB:
		return glob_match(r, s, 1);
	case OP_REGEX:
		return pcre2_match(k->re[ri], (PCRE2_SPTR)s, len, 0, 0, k->md, NULL) >= 0;
	default:
		return 0;
	}
}

static int cmp_value(struct echeck *k, const char *s, size_t len, int64_t num)
{
	switch (k->type) {
	case FT_INT:
	case FT_BOOL:
		switch (k->op) {
		case OP_EQ:
			return num == k->n;
		case OP_NE:
			return num != k->n;
		case OP_LT:
			return num < k->n;
		case OP_LE:
			return num <= k->n;
		case OP_GT:
			return num > k->n;
		case OP_GE:
			return num >= k->n;
		case OP_IN:
		case OP_INTERSECTS:
			for (int i = 0; i < k->nvals; i++)
				if (k->nums[i] == num)
					return 1;
			return 0;
		default:
			return 0;
		}
	case FT_IPNET: {
		unsigned char a[16];
		int fam = strchr(s, ':') ? AF_INET6 : AF_INET;
		int hit = 0;
		if (inet_pton(fam, s, a) != 1)
			return 0;
		for (int i = 0; i < k->nvals && !hit; i++)
			hit = cidr_has(&k->nets[i], fam, a);
		return k->op == OP_NE ? !hit : hit;
	}
	default:
		break;
	}
	if (k->pfx && k->op == OP_STARTSWITH)
		return pset_match(k->pfx, s, len);
	switch (k->op) {
	case OP_IN:
	case OP_INTERSECTS:
		return sset_has(k->set, s, len);
	case OP_PMATCH:
		return pset_match(k->pfx, s, len);
	default:
		break;
	}
	if (k->mod) {
		int hits = 0;
		for (int i = 0; i < k->nvals; i++)
			hits += cmp_str_one(k, k->op, s, len, k->vals[i], k->lens[i], i);
		if (k->mod == MOD_ANYOF)
			return hits > 0;
		if (k->mod == MOD_ALLOF)
			return hits == k->nvals;
		return hits == 1;
	}
	return cmp_str_one(k, k->op, s, len, k->s, k->slen, 0);
}

static int cmp_rhs_field(struct engine *e, struct echeck *k, const char *s, size_t len, int64_t num)
{
	const struct eslot *r = engine_slot_get(e, k->rhs_slot);

	if (!r->present)
		return 0;
	if (k->type == FT_INT || k->type == FT_BOOL) {
		int64_t b = r->val.n;
		switch (k->op) {
		case OP_EQ:
			return num == b;
		case OP_NE:
			return num != b;
		case OP_LT:
			return num < b;
		case OP_LE:
			return num <= b;
		case OP_GT:
			return num > b;
		case OP_GE:
			return num >= b;
		default:
			return 0;
		}
	}
	if (!r->val.s)
		return 0;
	if (k->op == OP_IN || k->op == OP_INTERSECTS)
		return len == r->val.len && memcmp(s, r->val.s, len) == 0;
	if (k->op == OP_REGEX || k->op == OP_PMATCH)
		return 0;
	return cmp_str_one(k, k->op, s, len, r->val.s, r->val.len, 0);
}

static int check_value(struct engine *e, struct echeck *k, const char *s, size_t len, int64_t num)
{
	if (k->op == OP_EXISTS)
		return 1;
	if (k->nxf)
		s = apply_xforms(k, s ? s : "", &len, &num);
	if (k->rhs_slot >= 0)
		return cmp_rhs_field(e, k, s, len, num);
	if ((k->type == FT_STR || k->type == FT_IPNET) && !s)
		return 0;
	return cmp_value(k, s, len, num);
}

static int eval_check(struct engine *e, struct echeck *k)
{
	if (k->any_anc) {
		struct fref r = k->ref;
		struct fval v;
		for (int64_t lvl = 1; lvl <= FIELD_MAX_ANCESTORS; lvl++) {
			if (!fctx_ancestor(&e->ctx, lvl))
				return 0;
			r.iarg = lvl;
			if (field_extract(&e->ctx, &r, &v, &k->abuf) &&
			    check_value(e, k, v.s, v.len, v.n))
				return 1;
		}
		return 0;
	}
	const struct eslot *sl = engine_slot_get(e, k->slot);
	if (!sl->present)
		return 0;
	if (k->set && !k->nxf && k->type == FT_STR && k->rhs_slot < 0 && sl->val.s)
		return sset_has_hashed(k->set, sl->val.s, sl->val.len,
		                       engine_slot_hash(e, k->slot));
	return check_value(e, k, sl->val.s, sl->val.len, sl->val.n);
}

int ccomp_eval(struct engine *e, const struct enode *n)
{
	switch (n->kind) {
	case EN_AND:
		for (int i = 0; i < n->nkids; i++)
			if (!ccomp_eval(e, n->kids[i]))
				return 0;
		return 1;
	case EN_OR:
		for (int i = 0; i < n->nkids; i++)
			if (ccomp_eval(e, n->kids[i]))
				return 1;
		return 0;
	case EN_NOT:
		return !ccomp_eval(e, n->kids[0]);
	case EN_CHECK:
		return eval_check(e, n->chk);
	}
	return 0;
}
