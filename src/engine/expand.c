/*
 * expand.c — the first compiler phase: resolves list references (nested
 * lists flattened once), replaces macro references with the macro trees
 * (shared, not copied; a cycle is an error) and folds each rule's
 * exceptions into its condition as Falco does. compile.c generates code
 * from the result.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/ccomp.h"
#include "engine/lex.h"

static struct rl_list *list_find(struct engine *e, const char *name)
{
	long i = FIND_LIST(e, name);
	return i < 0 ? NULL : e->lists.v[i];
}

/* Charges n expanded nodes or items to the ruleset's budget
 * (CPARSE_MAX_EXPANDED): 0, or -1 when it would go over (nothing charged). */
static int budget_charge(struct engine *e, size_t n)
{
	if (n > CPARSE_MAX_EXPANDED || e->expanded > CPARSE_MAX_EXPANDED - n)
		return -1;
	e->expanded += n;
	return 0;
}

/* Appends items to a list being flattened, within the per-list limit and
 * the ruleset's budget; -1 when over either or out of memory. */
static int flat_add(struct engine *e, struct ptrvec *flat, const char *const *items, size_t n)
{
	if (n > CPARSE_MAX_LIST_ITEMS - flat->n || budget_charge(e, n) < 0)
		return -1;
	for (size_t k = 0; k < n; k++)
		if (ptrvec_push(&e->arena, flat, (void *)items[k]) < 0)
			return -1;
	return 0;
}

/* Expands list references among items (a list may name earlier lists). */
static void list_expand(struct engine *e, struct rl_list *l, int depth)
{
	struct ptrvec flat = {0};

	if (l->expanded)
		return;
	l->expanded = 1; /* also guards against loops */
	for (size_t i = 0; i < l->items.n && !l->too_big; i++) {
		const char *it = l->items.v[i];
		struct rl_list *ref = list_find(e, it);
		if (ref && ref != l && depth < CCOMP_MAX_MACRO_NEST) {
			ref->used = 1;
			list_expand(e, ref, depth + 1);
			if (ref->too_big || flat_add(e, &flat, ref->flat, ref->nflat) < 0)
				l->too_big = 1;
		} else if (flat_add(e, &flat, &it, 1) < 0) {
			l->too_big = 1;
		}
	}
	l->flat = (const char *const *)flat.v;
	l->nflat = l->too_big ? 0 : flat.n;
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
	/* the values are copied into the condition: they count too */
	if (l->too_big || budget_charge(e, l->nflat) < 0) {
		*n = CPARSE_LIST_TOO_BIG;
		return empty;
	}
	*n = l->nflat;
	return l->nflat ? l->flat : empty;
}

static struct rl_macro *macro_find(struct engine *e, const char *name)
{
	long i = FIND_MACRO(e, name);
	return i < 0 ? NULL : e->macros.v[i];
}

/* Number of nodes of a tree (bounded: trees are built within the budget). */
static size_t cnode_count(const struct cnode *n)
{
	size_t c = 1;

	for (int i = 0; i < n->nkids; i++)
		c += cnode_count(n->kids[i]);
	return c;
}

void cexp_oom(struct cerr *ce, const struct src_pos *pos, const char *type, const char *name)
{
	diag_add(ce->d, ENGINE_DIAG_ERROR, pos, type, name,
	         "out of memory expanding the condition");
	ce->errors++;
}

struct cnode *cexp_parse_text(struct cerr *ce, const struct ptext *t, const char *type,
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

struct cnode *cexp_macro_tree(struct cerr *ce, struct rl_macro *m, int nest)
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
	struct cnode *ast = m->ast ? m->ast : cexp_parse_text(ce, &m->cond, "macro", m->name);
	if (ast)
		ast = cexp_expand(ce, ast, "macro", m->name, nest + 1);
	if (m->state == 3)
		return NULL;
	m->ast = ast;
	m->state = ast ? 2 : 3;
	m->nodes = ast ? cnode_count(ast) : 0;
	return ast;
}

/* Replaces macro references with the macro trees. A tree is shared by every
 * condition using the macro, not copied: nothing changes a tree once it is
 * expanded (compiling, printing and the kernel filter only read it), and
 * copies took a tenth of the arena for Falco's rules. The budget charges each
 * use its full size: compiling walks the shared tree once per use. */
struct cnode *cexp_expand(struct cerr *ce, struct cnode *n, const char *type, const char *name,
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
		struct cnode *t = cexp_macro_tree(ce, m, nest);
		if (!t)
			return NULL;
		if (budget_charge(ce->e, m->nodes) < 0) {
			diag_add(ce->d, ENGINE_DIAG_ERROR, &n->pos, type, name,
			         "macro '%s' (%zu nodes) takes the ruleset beyond %d expanded "
			         "condition nodes and list items: macros nest too much",
			         n->macro, m->nodes, CPARSE_MAX_EXPANDED);
			ce->errors++;
			return NULL;
		}
		return t;
	}
	int ok = 1;
	for (int i = 0; i < n->nkids; i++) {
		struct cnode *k = cexp_expand(ce, n->kids[i], type, name, nest);
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
/* Adds the value of one exception item: a list's items, or the word. */
static int exc_value_add(struct engine *e, struct ptrvec *out, const char *it)
{
	size_t n = 0;
	const char *const *items = lists_cb(e, it, &n);

	if (!items)
		return ptrvec_push(&e->arena, out, (void *)clex_item_value(&e->arena, it));
	if (n == CPARSE_LIST_TOO_BIG)
		return -2;
	for (size_t k = 0; k < n; k++)
		if (ptrvec_push(&e->arena, out, (void *)clex_item_value(&e->arena, items[k])) < 0)
			return -1;
	return 0;
}

/* Values for one exception operand: a list (items, list names expanded) or
 * one scalar. -1 when a single value is needed and not given, -2 when a
 * list is over the expansion limits, -3 out of memory. */
static int exc_values(struct engine *e, const struct rl_excval *v, int want_list, struct cnode *chk)
{
	struct ptrvec out = {0};
	int rc = 0;

	if (v->is_list)
		for (size_t i = 0; i < v->list.n && rc == 0; i++)
			rc = exc_value_add(e, &out, v->list.v[i]);
	else
		rc = exc_value_add(e, &out, v->s);
	if (rc < 0)
		return rc == -2 ? -2 : -3;
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

	if (!c) {
		cexp_oom(ce, &x->pos, "exception", x->name);
		return NULL;
	}
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
	int rc = exc_values(e, v, want_list, c);
	if (rc == -1)
		diag_add(ce->d, ENGINE_DIAG_ERROR, &v->pos, "exception", x->name,
		         "operator '%s' needs a single value", comp);
	else if (rc == -2)
		diag_add(ce->d, ENGINE_DIAG_ERROR, &v->pos, "exception", x->name,
		         "a list of the values is too large once its nested lists are expanded "
		         "(at most %d items per list and %d expanded nodes and items per ruleset)",
		         CPARSE_MAX_LIST_ITEMS, CPARSE_MAX_EXPANDED);
	else if (rc < 0)
		diag_add(ce->d, ENGINE_DIAG_ERROR, &v->pos, "exception", x->name,
		         "out of memory expanding the values");
	if (rc < 0) {
		ce->errors++;
		return NULL;
	}
	return c;
}

/* cond and not (exc1) and not (exc2) ... */
/* Every field an exception names must be a known field. */
static int exc_fields_ok(struct cerr *ce, const struct rl_exc *x)
{
	int bad = 0;

	for (size_t f = 0; f < x->fields.n; f++) {
		struct cparse_ctx fctx = {.arena = &ce->e->arena};
		struct cfield cf;
		const char *dotarg;
		if (cparse_field(&fctx, x->fields.v[f], &cf) < 0 ||
		    !field_lookup(cf.name, &dotarg)) {
			diag_add(ce->d, ENGINE_DIAG_ERROR, &x->pos, "exception", x->name,
			         "'%s' is not a supported filter field",
			         (const char *)x->fields.v[f]);
			ce->errors++;
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

/* fields: [a, b] → (a comp1 v1 and b comp2 v2) or ... per value tuple. */
static struct cnode *exc_tuples(struct cerr *ce, const struct rl_exc *x)
{
	struct engine *e = ce->e;
	size_t nf = x->fields.n;

	if (x->comps.n && x->comps.n != nf) {
		diag_add(ce->d, ENGINE_DIAG_ERROR, &x->pos, "exception", x->name,
		         "Fields and comps lists must have equal length");
		ce->errors++;
		return NULL;
	}
	for (size_t k = 0; k < x->comps.n; k++) {
		enum cmod m;
		if (cparse_op(x->comps.v[k], &m) == OP_NONE) {
			diag_add(ce->d, ENGINE_DIAG_ERROR, &x->pos, "exception", x->name,
			         "'%s' is not a supported comparison operator",
			         (const char *)x->comps.v[k]);
			ce->errors++;
			return NULL;
		}
	}
	if (!x->values.n)
		return NULL;
	if (budget_charge(e, x->values.n * (nf + 1)) < 0) {
		diag_add(ce->d, ENGINE_DIAG_ERROR, &x->pos, "exception", x->name,
		         "%zu values take the ruleset beyond %d expanded condition nodes and list "
		         "items",
		         x->values.n, CPARSE_MAX_EXPANDED);
		ce->errors++;
		return NULL;
	}
	struct cnode *ex = cnode_new(&e->arena, CN_OR);
	if (!ex) {
		cexp_oom(ce, &x->pos, "exception", x->name);
		return NULL;
	}
	ex->pos = x->pos;
	for (size_t t = 0; t < x->values.n; t++) {
		struct rl_excval *tv = x->values.v[t];
		if (tv->is_list != 2 || tv->list.n != nf) {
			diag_add(ce->d, ENGINE_DIAG_ERROR, &tv->pos, "exception", x->name,
			         "Fields and values lists must have equal length");
			ce->errors++;
			return NULL;
		}
		struct cnode *conj = cnode_new(&e->arena, CN_AND);
		if (!conj || cnode_add_kid(&e->arena, ex, conj) < 0) {
			cexp_oom(ce, &tv->pos, "exception", x->name);
			return NULL;
		}
		conj->pos = tv->pos;
		for (size_t f = 0; f < nf; f++) {
			const char *comp = x->comps.n ? x->comps.v[f] : "=";
			struct cnode *c = exc_check(ce, x, x->fields.v[f], comp, tv->list.v[f]);
			if (!c)
				return NULL;
			if (cnode_add_kid(&e->arena, conj, c) < 0) {
				cexp_oom(ce, &tv->pos, "exception", x->name);
				return NULL;
			}
		}
	}
	return ex;
}

/* fields: a → a comp (every value of every item). */
static struct cnode *exc_single(struct cerr *ce, const struct rl_exc *x)
{
	struct engine *e = ce->e;
	const char *comp = x->comps.n ? x->comps.v[0] : "in";
	enum cmod m;
	enum cop op = cparse_op(comp, &m);

	if (!cparse_op_is_list(op) && m == MOD_NONE) {
		diag_add(ce->d, ENGINE_DIAG_ERROR, &x->pos, "exception", x->name,
		         "When fields is a single value, comps must be one of (in, "
		         "pmatch, intersects) or a string operator with oneof, anyof, "
		         "allof");
		ce->errors++;
		return NULL;
	}
	if (!x->values.n)
		return NULL;
	struct rl_excval all = {.is_list = 1, .pos = x->pos};
	int bad = 0;
	for (size_t t = 0; t < x->values.n; t++) {
		struct rl_excval *v = x->values.v[t];
		if (v->is_list)
			for (size_t k = 0; k < v->list.n; k++)
				bad |= ptrvec_push(&e->arena, &all.list, v->list.v[k]);
		else
			bad |= ptrvec_push(&e->arena, &all.list, (void *)v->s);
	}
	if (bad) {
		cexp_oom(ce, &x->pos, "exception", x->name);
		return NULL;
	}
	return exc_check(ce, x, x->fields.v[0], comp, &all);
}

struct cnode *cexp_apply_exceptions(struct cerr *ce, struct rl_rule *r, struct cnode *cond)
{
	struct engine *e = ce->e;
	struct cnode *top = NULL;

	for (size_t i = 0; i < r->excs.n; i++) {
		struct rl_exc *x = r->excs.v[i];
		struct cnode *ex;

		if (!x->fields.n) {
			diag_add(ce->d, ENGINE_DIAG_ERROR, &x->pos, "exception", x->name,
			         "Item has no mapping for key 'fields'");
			ce->errors++;
			continue;
		}
		if (exc_fields_ok(ce, x) < 0)
			continue;
		ex = x->fields_is_list ? exc_tuples(ce, x) : exc_single(ce, x);
		if (!ex)
			continue;
		if (!top) {
			top = cnode_new(&e->arena, CN_AND);
			if (!top || cnode_add_kid(&e->arena, top, cond) < 0)
				goto oom;
			top->pos = cond->pos;
		}
		struct cnode *neg = cnode_new(&e->arena, CN_NOT);
		if (!neg || cnode_add_kid(&e->arena, neg, ex) < 0 ||
		    cnode_add_kid(&e->arena, top, neg) < 0)
			goto oom;
		neg->pos = ex->pos;
	}
	return top ? top : cond;
oom:
	cexp_oom(ce, &r->pos, "rule", r->name);
	return NULL;
}
