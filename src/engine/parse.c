/*
 * parse.c — recursive-descent parser of conditions (Falco's filter
 * grammar) into the tree of parse.h. List names written as values are
 * substituted here, at token level, which gives the same result as
 * Falco's textual substitution while keeping exact error positions.
 * Precedence: not > and > or.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "engine/lex.h"
#include "engine/parse.h"

struct pstate {
	struct cparse_ctx *ctx;
	struct clex_state ls;
	int depth;
	int failed;
	/* scratch for the values of the check being parsed, malloc'ed and
	 * reused: the check keeps an exact-size copy in the arena */
	const char **vals;
	size_t nvals, capvals;
};

static const char *const op_names[OP_COUNT_] = {
    [OP_NONE] = "?",
    [OP_EQ] = "=",
    [OP_NE] = "!=",
    [OP_LT] = "<",
    [OP_LE] = "<=",
    [OP_GT] = ">",
    [OP_GE] = ">=",
    [OP_CONTAINS] = "contains",
    [OP_ICONTAINS] = "icontains",
    [OP_BCONTAINS] = "bcontains",
    [OP_STARTSWITH] = "startswith",
    [OP_BSTARTSWITH] = "bstartswith",
    [OP_ENDSWITH] = "endswith",
    [OP_IN] = "in",
    [OP_INTERSECTS] = "intersects",
    [OP_PMATCH] = "pmatch",
    [OP_EXISTS] = "exists",
    [OP_GLOB] = "glob",
    [OP_IGLOB] = "iglob",
    [OP_REGEX] = "regex",
};

static const char *const xform_names[] = {
    [XF_NONE] = "",   [XF_TOLOWER] = "tolower",   [XF_TOUPPER] = "toupper",
    [XF_B64] = "b64", [XF_BASENAME] = "basename", [XF_LEN] = "len",
};

static const char *const mod_names[] = {"", "anyof", "allof", "oneof"};

const char *cparse_op_name(enum cop op)
{
	return op < OP_COUNT_ ? op_names[op] : "?";
}

const char *cparse_xform_name(enum cxform x)
{
	return xform_names[x];
}

const char *cparse_mod_name(enum cmod m)
{
	return mod_names[m];
}

int cparse_op_is_list(enum cop op)
{
	return op == OP_IN || op == OP_INTERSECTS || op == OP_PMATCH;
}

static int op_takes_modifier(enum cop op)
{
	switch (op) {
	case OP_EQ:
	case OP_NE:
	case OP_CONTAINS:
	case OP_ICONTAINS:
	case OP_BCONTAINS:
	case OP_STARTSWITH:
	case OP_BSTARTSWITH:
	case OP_ENDSWITH:
	case OP_GLOB:
	case OP_IGLOB:
	case OP_REGEX:
		return 1;
	default:
		return 0;
	}
}

static enum cop op_by_name(const char *s, size_t n)
{
	if (n == 2 && memcmp(s, "==", 2) == 0)
		return OP_EQ;
	for (int i = 1; i < OP_COUNT_; i++)
		if (strlen(op_names[i]) == n && memcmp(op_names[i], s, n) == 0)
			return (enum cop)i;
	return OP_NONE;
}

enum cop cparse_op(const char *s, enum cmod *mod)
{
	const char *sp = strchr(s, ' ');
	enum cop op;

	*mod = MOD_NONE;
	if (!sp)
		return op_by_name(s, strlen(s));
	op = op_by_name(s, (size_t)(sp - s));
	while (*sp == ' ')
		sp++;
	for (int m = MOD_ANYOF; m <= MOD_ONEOF; m++)
		if (strcmp(sp, mod_names[m]) == 0 && op_takes_modifier(op)) {
			*mod = (enum cmod)m;
			return op;
		}
	return OP_NONE;
}

struct cnode *cnode_new(struct arena *a, enum ckind kind)
{
	struct cnode *n = arena_alloc(a, sizeof(*n));

	if (n)
		n->kind = kind;
	return n;
}

int cnode_add_kid(struct arena *a, struct cnode *parent, struct cnode *kid)
{
	if (!parent || !kid)
		return -1;
	if (parent->nkids == parent->capkids) {
		/* amortised growth: an `or` of N checks costs O(N), not O(N^2) */
		int cap = parent->capkids ? parent->capkids * 2 : 4;
		struct cnode **kids = arena_alloc(a, (size_t)cap * sizeof(*kids));

		if (!kids || cap < parent->capkids)
			return -1;
		if (parent->nkids)
			memcpy(kids, parent->kids, (size_t)parent->nkids * sizeof(*kids));
		parent->kids = kids;
		parent->capkids = cap;
	}
	parent->kids[parent->nkids++] = kid;
	return 0;
}

struct src_pos posmap_at(const struct posmap *pm, size_t off)
{
	struct src_pos none = {0};
	size_t lo = 0, hi;

	if (!pm->nruns)
		return none;
	if (off > pm->n)
		off = pm->n;
	/* the last run starting at or before off */
	hi = pm->nruns;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (pm->runs[mid].off <= off)
			lo = mid;
		else
			hi = mid;
	}
	struct src_pos p = pm->runs[lo].pos;
	p.col += (int)(off - pm->runs[lo].off);
	return p;
}

static struct src_pos pos_at(struct pstate *ps, size_t off)
{
	const struct posmap *pm = ps->ctx->pm;
	struct src_pos none = {0};

	return pm ? posmap_at(pm, off) : none;
}

__attribute__((format(printf, 3, 4))) static void perr(struct pstate *ps, size_t off,
                                                       const char *fmt, ...)
{
	va_list ap;

	if (ps->failed)
		return;
	ps->failed = 1;
	va_start(ap, fmt);
	vsnprintf(ps->ctx->err, sizeof(ps->ctx->err), fmt, ap);
	va_end(ap);
	ps->ctx->errpos = pos_at(ps, off);
}

static void next(struct pstate *ps, enum clex_mode mode, struct clex_token *t)
{
	clex_next(&ps->ls, mode, t);
	if (t->tok == TK_ERROR)
		perr(ps, ps->ls.err_off, "%s", ps->ls.err);
}

static int is_kw(const struct clex_token *t, const char *kw)
{
	return t->tok == TK_WORD && strcmp(t->text, kw) == 0;
}

static const char *tok_desc(const struct clex_token *t)
{
	switch (t->tok) {
	case TK_EOF:
		return "end of condition";
	case TK_LPAREN:
		return "(";
	case TK_RPAREN:
		return ")";
	case TK_COMMA:
		return ",";
	default:
		return t->text ? t->text : "?";
	}
}

static struct cnode *parse_expr(struct pstate *ps);
static int parse_field_from(struct pstate *ps, struct clex_token *t, struct cfield *f);

/* Reads the next token and fails unless it is tok. */
static int expect(struct pstate *ps, enum clex_tok tok, const char *what)
{
	struct clex_token t;

	next(ps, CLEX_EXPR, &t);
	if (t.tok == tok)
		return 0;
	if (!ps->failed)
		perr(ps, t.off, "expected %s, found '%s'", what, tok_desc(&t));
	return -1;
}

/* marg -> QuotedStr | field; strings only when !fields_ok */
static int parse_marg(struct pstate *ps, struct clex_token *t, struct ptrvec *args, int fields_ok)
{
	struct arena *a = ps->ctx->arena;
	struct cmarg *m = arena_alloc(a, sizeof(*m));

	if (!m)
		return -1;
	memset(m, 0, sizeof(*m));
	if (t->tok == TK_STRING) {
		m->lit = t->text;
	} else if (fields_ok && (t->tok == TK_WORD || t->tok == TK_XFORM)) {
		struct cfield *f = arena_alloc(a, sizeof(*f));
		if (!f || parse_field_from(ps, t, f) < 0)
			return -1;
		m->f = f;
	} else {
		if (!ps->failed)
			perr(ps, t->off, "expected %s, found '%s'",
			     fields_ok ? "a string or a field" : "a string", tok_desc(t));
		return -1;
	}
	return ptrvec_push(a, args, m);
}

/* margs -> marg {',' marg} up to `close` (already past the opening). */
static int parse_margs(struct pstate *ps, struct ptrvec *args, int fields_ok, int allow_empty)
{
	struct clex_token t;

	next(ps, CLEX_EXPR, &t);
	if (t.tok == TK_RPAREN && allow_empty)
		return 0;
	for (;;) {
		if (parse_marg(ps, &t, args, fields_ok) < 0)
			return -1;
		next(ps, CLEX_EXPR, &t);
		if (t.tok == TK_RPAREN)
			return 0;
		if (t.tok != TK_COMMA) {
			if (!ps->failed)
				perr(ps, t.off, "expected ',' or ')', found '%s'", tok_desc(&t));
			return -1;
		}
		next(ps, CLEX_EXPR, &t);
	}
}

/* multi -> join '(' Str ',' '(' [margs] ')' ')' | concat '(' margs ')'
 *        | getopt '(' '(' [strs] ')' ',' Str ')'   (after "name(") */
static int parse_multi(struct pstate *ps, struct clex_token *t, struct cfield *f)
{
	struct cmulti *m = arena_alloc(ps->ctx->arena, sizeof(*m));
	struct ptrvec args = {0};
	struct clex_token s;
	size_t off = t->off;

	if (!m)
		return -1;
	memset(m, 0, sizeof(*m));
	m->kind = strcmp(t->text, "join") == 0     ? MV_JOIN
	          : strcmp(t->text, "concat") == 0 ? MV_CONCAT
	                                           : MV_GETOPT;
	if (m->kind == MV_CONCAT) {
		if (parse_margs(ps, &args, 1, 0) < 0)
			return -1;
		if (args.n < 2) {
			perr(ps, off, "concat() requires at least 2 arguments");
			return -1;
		}
	} else {
		if (m->kind == MV_JOIN) {
			next(ps, CLEX_EXPR, &s);
			if (s.tok != TK_STRING) {
				perr(ps, s.off, "join() takes a separator string first");
				return -1;
			}
			m->str = s.text;
			if (expect(ps, TK_COMMA, "',' and a list") < 0)
				return -1;
		}
		if (expect(ps, TK_LPAREN, "a list in parentheses") < 0 ||
		    parse_margs(ps, &args, m->kind == MV_JOIN, 1) < 0)
			return -1;
		if (m->kind == MV_GETOPT) {
			if (expect(ps, TK_COMMA, "',' and an option string") < 0)
				return -1;
			next(ps, CLEX_EXPR, &s);
			if (s.tok != TK_STRING) {
				perr(ps, s.off, "getopt() takes an option string second");
				return -1;
			}
			m->str = s.text;
		}
		if (expect(ps, TK_RPAREN, "')'") < 0)
			return -1;
	}
	m->nargs = (int)args.n;
	m->args =
	    args.n ? (struct cmarg *)arena_alloc(ps->ctx->arena, args.n * sizeof(*m->args)) : NULL;
	if (args.n && !m->args)
		return -1;
	for (size_t i = 0; i < args.n; i++)
		m->args[i] = *(struct cmarg *)args.v[i];
	f->multi = m;
	f->name = m->kind == MV_JOIN ? "join()" : m->kind == MV_CONCAT ? "concat()" : "getopt()";
	return 0;
}

static int is_multi_name(const struct clex_token *t)
{
	return t->tok == TK_XFORM &&
	       (strcmp(t->text, "join") == 0 || strcmp(t->text, "concat") == 0 ||
	        strcmp(t->text, "getopt") == 0);
}

/* field -> FieldName ['[' arg ']'] | xform '(' field ')'   (after the
 * first token t has been read) */
static int parse_field_from(struct pstate *ps, struct clex_token *t, struct cfield *f)
{
	enum cxform stack[CFIELD_MAX_XFORMS];
	int nx = 0;

	memset(f, 0, sizeof(*f));
	f->pos = pos_at(ps, t->off);
	while (t->tok == TK_XFORM && !is_multi_name(t)) {
		enum cxform x = XF_NONE;
		for (int i = XF_TOLOWER; i <= XF_LEN; i++)
			if (strcmp(t->text, xform_names[i]) == 0)
				x = (enum cxform)i;
		if (x == XF_NONE) {
			perr(ps, t->off, "'%s' cannot be used here", t->text);
			return -1;
		}
		if (nx == CFIELD_MAX_XFORMS) {
			perr(ps, t->off, "too many nested transformers");
			return -1;
		}
		stack[nx++] = x;
		next(ps, CLEX_EXPR, t);
	}
	if (is_multi_name(t)) {
		if (++ps->depth > CPARSE_MAX_DEPTH) {
			perr(ps, t->off, "exceeded max depth limit of %d", CPARSE_MAX_DEPTH);
			return -1;
		}
		int rc = parse_multi(ps, t, f);
		ps->depth--;
		if (rc < 0)
			return -1;
	} else if (t->tok != TK_WORD || !strchr(t->text, '.')) {
		if (!ps->failed)
			perr(ps, t->off, "expected a field name, found '%s'", tok_desc(t));
		return -1;
	} else {
		f->name = t->text;
		f->arg = t->has_arg ? t->arg : NULL;
	}
	for (int i = nx - 1; i >= 0; i--) {
		struct clex_token r;
		next(ps, CLEX_EXPR, &r);
		if (r.tok != TK_RPAREN) {
			if (!ps->failed)
				perr(ps, r.off,
				     "expected ')' after transformer argument, found '%s'",
				     tok_desc(&r));
			return -1;
		}
		f->xforms[f->nxforms++] = stack[i];
	}
	return 0;
}

static int vals_push(struct pstate *ps, const char *v)
{
	if (!v)
		return -1;
	if (ps->nvals == ps->capvals) {
		size_t cap = ps->capvals ? 2 * ps->capvals : CPARSE_VALS_INITIAL;
		const char **nv = realloc(ps->vals, cap * sizeof(*nv));
		if (!nv)
			return -1;
		ps->vals = nv;
		ps->capvals = cap;
	}
	ps->vals[ps->nvals++] = v;
	return 0;
}

/* The values in ps's scratch as n's right-hand side, copied to the arena. */
static int vals_set(struct pstate *ps, struct cnode *n, enum crhs kind)
{
	const char **v = NULL;

	if (ps->nvals) {
		v = arena_alloc_raw(ps->ctx->arena, ps->nvals * sizeof(*v));
		if (!v)
			return -1;
		memcpy(v, ps->vals, ps->nvals * sizeof(*v));
	}
	n->rhs_kind = kind;
	n->nvals = (int)ps->nvals;
	n->vals = v;
	return 0;
}

/* Adds the items of list `name` (or the word itself) to ps's values. */
static int add_value(struct pstate *ps, const char *word, int bare, size_t off)
{
	struct cparse_ctx *ctx = ps->ctx;
	size_t n = 0;
	const char *const *items = NULL;

	if (bare && ctx->lists)
		items = ctx->lists(ctx->lists_arg, word, &n);
	if (!items)
		return vals_push(ps, word);
	if (n == CPARSE_LIST_TOO_BIG) {
		perr(ps, off,
		     "list '%s' is too large once its nested lists are expanded (at most %d "
		     "items per list and %d expanded nodes and items per ruleset)",
		     word, CPARSE_MAX_LIST_ITEMS, CPARSE_MAX_EXPANDED);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (vals_push(ps, clex_item_value(ctx->arena, items[i])) < 0)
			return -1;
	return 0;
}

/* listvalue -> '(' [value {',' value}] ')' | ListName */
static int parse_list(struct pstate *ps, struct cnode *n)
{
	struct clex_token t;

	ps->nvals = 0;
	next(ps, CLEX_VALUE, &t);
	if (t.tok == TK_BARE) {
		/* A bare list name (Falco accepts it through substitution). */
		if (add_value(ps, t.text, 1, t.off) < 0)
			return -1;
		goto done;
	}
	if (t.tok != TK_LPAREN) {
		perr(ps, t.off, "expected a list, found '%s'", tok_desc(&t));
		return -1;
	}
	next(ps, CLEX_VALUE, &t);
	if (t.tok == TK_RPAREN)
		goto done;
	for (;;) {
		if (t.tok != TK_BARE && t.tok != TK_STRING) {
			perr(ps, t.off, "expected a list value, found '%s'", tok_desc(&t));
			return -1;
		}
		if (add_value(ps, t.text, t.tok == TK_BARE, t.off) < 0)
			return -1;
		next(ps, CLEX_VALUE, &t);
		if (t.tok == TK_RPAREN)
			break;
		if (t.tok != TK_COMMA) {
			perr(ps, t.off, "expected ',' or ')' in list, found '%s'", tok_desc(&t));
			return -1;
		}
		next(ps, CLEX_VALUE, &t);
	}
done:
	return vals_set(ps, n, RHS_LIST);
}

/* value -> QuotedStr | BareStr | val '(' field ')' | xform '(' field ')' */
static int parse_value(struct pstate *ps, struct cnode *n)
{
	struct clex_token t;

	next(ps, CLEX_VALUE, &t);
	if (t.tok == TK_STRING || t.tok == TK_BARE) {
		ps->nvals = 0;
		if (add_value(ps, t.text, t.tok == TK_BARE, t.off) < 0)
			return -1;
		if (ps->nvals != 1) {
			perr(ps, t.off, "list '%s' does not hold exactly one value here", t.text);
			return -1;
		}
		return vals_set(ps, n, RHS_SCALAR);
	}
	if (t.tok == TK_XFORM) {
		if (strcmp(t.text, "val") == 0) {
			next(ps, CLEX_EXPR, &t);
			if (parse_field_from(ps, &t, &n->rhs) < 0)
				return -1;
			if (n->rhs.nxforms) {
				perr(ps, t.off, "val() takes a field without transformers");
				return -1;
			}
			next(ps, CLEX_EXPR, &t);
			if (t.tok != TK_RPAREN) {
				perr(ps, t.off, "expected ')' after val() argument");
				return -1;
			}
		} else if (parse_field_from(ps, &t, &n->rhs) < 0) {
			return -1;
		}
		n->rhs_kind = RHS_FIELD;
		return 0;
	}
	if (!ps->failed)
		perr(ps, t.off, "expected a value, found '%s'", tok_desc(&t));
	return -1;
}

/* check -> field 'exists' | field op value | field listop listvalue
 *        | field strop modifier listvalue */
static struct cnode *parse_check(struct pstate *ps, struct clex_token *first)
{
	struct cnode *n = cnode_new(ps->ctx->arena, CN_CHECK);
	struct clex_token t;

	if (!n)
		return NULL;
	n->pos = pos_at(ps, first->off);
	if (parse_field_from(ps, first, &n->lhs) < 0)
		return NULL;
	clex_next(&ps->ls, CLEX_EXPR, &t);
	if (t.tok == TK_ERROR) {
		perr(ps, t.off, "expected an operator after the field, found '%.*s'",
		     (int)strcspn(ps->ls.src + t.off, " \t\r\n"), ps->ls.src + t.off);
		return NULL;
	}
	if (t.tok == TK_SYMOP)
		n->op = op_by_name(t.text, strlen(t.text));
	else if (t.tok == TK_WORD)
		n->op = op_by_name(t.text, strlen(t.text));
	if (n->op == OP_NONE) {
		if (!ps->failed)
			perr(ps, t.off, "expected an operator after the field, found '%s'",
			     tok_desc(&t));
		return NULL;
	}
	if (n->op == OP_EXISTS)
		return n;
	if (op_takes_modifier(n->op)) {
		struct clex_token m;
		clex_peek(&ps->ls, CLEX_EXPR, &m);
		for (int i = MOD_ANYOF; i <= MOD_ONEOF; i++)
			if (is_kw(&m, mod_names[i])) {
				next(ps, CLEX_EXPR, &m);
				n->mod = (enum cmod)i;
			}
	}
	if (cparse_op_is_list(n->op) || n->mod != MOD_NONE) {
		struct clex_token p;
		clex_peek(&ps->ls, CLEX_VALUE, &p);
		if (p.tok == TK_XFORM && cparse_op_is_list(n->op)) {
			if (parse_value(ps, n) < 0)
				return NULL;
			return n;
		}
		return parse_list(ps, n) < 0 ? NULL : n;
	}
	return parse_value(ps, n) < 0 ? NULL : n;
}

/* notexpr -> 'not' notexpr | '(' expr ')' | Identifier | check */
static struct cnode *parse_not(struct pstate *ps)
{
	struct clex_token t;
	struct cnode *n;

	if (++ps->depth > CPARSE_MAX_DEPTH) {
		perr(ps, ps->ls.pos, "condition nested too deeply (more than %d levels)",
		     CPARSE_MAX_DEPTH);
		return NULL;
	}
	next(ps, CLEX_EXPR, &t);
	if (ps->failed)
		return NULL;
	if (is_kw(&t, "not")) {
		struct cnode *kid = parse_not(ps);
		if (!kid)
			return NULL;
		n = cnode_new(ps->ctx->arena, CN_NOT);
		if (!n || cnode_add_kid(ps->ctx->arena, n, kid) < 0)
			return NULL;
		n->pos = pos_at(ps, t.off);
	} else if (t.tok == TK_LPAREN) {
		n = parse_expr(ps);
		if (!n)
			return NULL;
		next(ps, CLEX_EXPR, &t);
		if (t.tok != TK_RPAREN) {
			if (!ps->failed)
				perr(ps, t.off, "missing ')': found '%s'", tok_desc(&t));
			return NULL;
		}
	} else if (t.tok == TK_WORD && !strchr(t.text, '.')) {
		if (is_kw(&t, "and") || is_kw(&t, "or")) {
			perr(ps, t.off, "unexpected '%s', expecting a check", t.text);
			return NULL;
		}
		n = cnode_new(ps->ctx->arena, CN_MACRO);
		if (!n)
			return NULL;
		n->macro = t.text;
		n->pos = pos_at(ps, t.off);
	} else if (t.tok == TK_WORD || t.tok == TK_XFORM) {
		n = parse_check(ps, &t);
	} else {
		if (!ps->failed)
			perr(ps, t.off, "unexpected '%s', expecting a check", tok_desc(&t));
		return NULL;
	}
	ps->depth--;
	return n;
}

/* andexpr -> notexpr {'and' notexpr} */
static struct cnode *parse_and(struct pstate *ps)
{
	struct cnode *first = parse_not(ps), *n = NULL;
	struct clex_token t;

	if (!first)
		return NULL;
	for (;;) {
		clex_peek(&ps->ls, CLEX_EXPR, &t);
		if (!is_kw(&t, "and"))
			return n ? n : first;
		next(ps, CLEX_EXPR, &t);
		if (!n) {
			n = cnode_new(ps->ctx->arena, CN_AND);
			if (!n || cnode_add_kid(ps->ctx->arena, n, first) < 0)
				return NULL;
			n->pos = first->pos;
		}
		struct cnode *kid = parse_not(ps);
		if (!kid || cnode_add_kid(ps->ctx->arena, n, kid) < 0)
			return NULL;
	}
}

/* expr -> andexpr {'or' andexpr} */
static struct cnode *parse_expr(struct pstate *ps)
{
	struct cnode *first = parse_and(ps), *n = NULL;
	struct clex_token t;

	if (!first)
		return NULL;
	for (;;) {
		clex_peek(&ps->ls, CLEX_EXPR, &t);
		if (!is_kw(&t, "or"))
			return n ? n : first;
		next(ps, CLEX_EXPR, &t);
		if (!n) {
			n = cnode_new(ps->ctx->arena, CN_OR);
			if (!n || cnode_add_kid(ps->ctx->arena, n, first) < 0)
				return NULL;
			n->pos = first->pos;
		}
		struct cnode *kid = parse_and(ps);
		if (!kid || cnode_add_kid(ps->ctx->arena, n, kid) < 0)
			return NULL;
	}
}

struct cnode *cparse_condition(struct cparse_ctx *ctx, const char *text)
{
	struct pstate ps = {.ctx = ctx};
	struct cnode *n;
	struct clex_token t;

	ctx->err[0] = '\0';
	clex_init(&ps.ls, text, ctx->arena);
	n = parse_expr(&ps);
	free(ps.vals);
	if (!n) {
		if (!ps.failed)
			perr(&ps, ps.ls.pos, "out of memory");
		return NULL;
	}
	next(&ps, CLEX_EXPR, &t);
	if (t.tok != TK_EOF) {
		if (t.tok == TK_RPAREN)
			perr(&ps, t.off, "unbalanced parenthesis: unexpected ')'");
		else if (!ps.failed)
			perr(&ps, t.off, "unexpected token '%s', expecting 'or', 'and'",
			     tok_desc(&t));
		return NULL;
	}
	return n;
}

int cparse_field(struct cparse_ctx *ctx, const char *text, struct cfield *out)
{
	struct pstate ps = {.ctx = ctx};
	struct clex_token t;

	ctx->err[0] = '\0';
	clex_init(&ps.ls, text, ctx->arena);
	next(&ps, CLEX_EXPR, &t);
	if (parse_field_from(&ps, &t, out) < 0)
		return -1;
	next(&ps, CLEX_EXPR, &t);
	if (t.tok != TK_EOF) {
		perr(&ps, t.off, "unexpected text after field: '%s'", tok_desc(&t));
		return -1;
	}
	return 0;
}
