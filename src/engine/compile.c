/*
 * compile.c — code generation: turns each rule's expanded condition
 * (expand.c) into evaluable nodes (eval.c): resolves each field to an
 * extractor and a cache slot once, builds hash and prefix sets for list
 * operators, regexes and CIDR networks, orders and/or operands by cost and
 * derives the rule's event-type set (evtidx.c).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "engine/ccomp.h"
#include "engine/lex.h"
#include "engine/sets.h"

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
	if (!r->key) {
		cexp_oom(ce, &f->pos, type, name);
		return -1;
	}
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

static int hexbytes(struct arena *a, const char *s, const char **out, size_t *len)
{
	size_t n = strlen(s);
	char *b;

	if (n % 2)
		return -1;
	b = arena_alloc(a, n / 2 + 1);
	if (!b)
		return -1;
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

/* Left-hand side: field, transformers, operator; -1 (reported) when the
 * operator does not fit the field's type. */
static int check_lhs(struct cerr *ce, struct echeck *k, const struct cnode *n, const char *type,
                     const char *name)
{
	if (resolve_field(ce, &n->lhs, &k->ref, type, name, 1) < 0)
		return -1;
	k->slot = engine_slot(ce->e, &k->ref);
	if (k->slot < 0) {
		cexp_oom(ce, &n->pos, type, name);
		return -1;
	}
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
		return -1;
	}
	return 0;
}

/* Warns once per written check (macro copies share their value list)
 * about comparing with "<NA>". */
static void warn_na(struct cerr *ce, const struct cnode *n, const char *type, const char *name)
{
	struct engine *e = ce->e;

	for (size_t i = 0; i < e->na_warned.n; i++)
		if (e->na_warned.v[i] == (void *)n->vals)
			return;
	for (int i = 0; i < n->nvals; i++)
		if (strcmp(n->vals[i], "<NA>") == 0) {
			ptrvec_push(&e->arena, &e->na_warned, (void *)n->vals);
			diag_add(ce->d, ENGINE_DIAG_WARNING, &n->pos, type, name,
			         "comparing a field value with \"<NA>\" is unsafe: unknown values "
			         "never compare equal (use 'exists')");
			break;
		}
}

/* Numeric and boolean right-hand sides. */
static int check_nums(struct cerr *ce, struct echeck *k, const struct cnode *n, const char *type,
                      const char *name)
{
	const char *bad = "";

	k->nums = arena_alloc(&ce->e->arena, (size_t)(n->nvals + 1) * sizeof(*k->nums));
	if (!k->nums) {
		cexp_oom(ce, &n->pos, type, name);
		return -1;
	}
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
	return 0;
badnum:
	diag_add(ce->d, ENGINE_DIAG_ERROR, &n->pos, type, name,
	         "'%s' is not a valid %s value for field '%s'", bad,
	         k->type == FT_BOOL ? "boolean" : "numeric", k->ref.key);
	ce->errors++;
	return -1;
}

/* IP address and CIDR right-hand sides. */
static int check_nets(struct cerr *ce, struct echeck *k, const struct cnode *n, const char *type,
                      const char *name)
{
	k->nets = arena_alloc(&ce->e->arena, (size_t)(n->nvals + 1) * sizeof(*k->nets));
	if (!k->nets) {
		cexp_oom(ce, &n->pos, type, name);
		return -1;
	}
	for (int i = 0; i < n->nvals; i++)
		if (parse_cidr(n->vals[i], &k->nets[i]) < 0) {
			diag_add(ce->d, ENGINE_DIAG_ERROR, &n->pos, type, name,
			         "'%s' is not a valid IP address or network", n->vals[i]);
			ce->errors++;
			return -1;
		}
	return 0;
}

/* The engine's match context: limits and a JIT stack shared by every
 * regex (one thread evaluates). Created on first use, freed with the
 * checks. */
static pcre2_match_context *regex_mctx(struct engine *e)
{
	pcre2_match_context *mc = e->re_mctx;

	if (mc)
		return mc;
	mc = pcre2_match_context_create(NULL);
	if (!mc)
		return NULL;
	pcre2_set_match_limit(mc, CCOMP_REGEX_MATCH_LIMIT);
	pcre2_set_depth_limit(mc, CCOMP_REGEX_DEPTH_LIMIT);
	e->re_jitstack =
	    pcre2_jit_stack_create(CCOMP_REGEX_JIT_STACK_MIN, CCOMP_REGEX_JIT_STACK_MAX, NULL);
	if (e->re_jitstack)
		pcre2_jit_stack_assign(mc, NULL, e->re_jitstack);
	e->re_mctx = mc;
	return mc;
}

/* The regexes of `regex` (anchored at both ends, as Falco matches). */
static int check_regex(struct cerr *ce, struct echeck *k, const struct cnode *n, const char *type,
                       const char *name)
{
	k->re = arena_alloc(&ce->e->arena, (size_t)(n->nvals + 1) * sizeof(*k->re));
	if (!k->re) {
		cexp_oom(ce, &n->pos, type, name);
		return -1;
	}
	for (int i = 0; i < n->nvals; i++) {
		int ec;
		PCRE2_SIZE eo;
		k->re[i] = pcre2_compile((PCRE2_SPTR)n->vals[i], PCRE2_ZERO_TERMINATED,
		                         PCRE2_ANCHORED | PCRE2_ENDANCHORED, &ec, &eo, NULL);
		if (k->re[i]) {
			/* JIT when available; the interpreter otherwise */
			(void)pcre2_jit_compile(k->re[i], PCRE2_JIT_COMPLETE);
		} else {
			PCRE2_UCHAR msg[128];
			pcre2_get_error_message(ec, msg, sizeof(msg));
			diag_add(ce->d, ENGINE_DIAG_ERROR, &n->pos, type, name,
			         "invalid regular expression '%s': %s", n->vals[i],
			         (const char *)msg);
			ce->errors++;
			return -1;
		}
	}
	k->nvals = n->nvals;
	k->md = pcre2_match_data_create(1, NULL);
	k->mctx = regex_mctx(ce->e);
	k->eng = ce->e;
	if (!k->md || !k->mctx) {
		cexp_oom(ce, &n->pos, type, name);
		return -1;
	}
	return 0;
}

/* String right-hand sides: sets, prefix sets, byte strings, regexes. */
static int check_strings(struct cerr *ce, struct echeck *k, const struct cnode *n, const char *type,
                         const char *name)
{
	struct engine *e = ce->e;

	switch (k->op) {
	case OP_IN:
	case OP_INTERSECTS:
		k->set = sset_new(&e->arena, n->vals, (size_t)n->nvals);
		if (!k->set)
			goto oom;
		break;
	case OP_PMATCH:
		k->pfx = pset_new(&e->arena, n->vals, (size_t)n->nvals, 1);
		if (!k->pfx)
			goto oom;
		break;
	case OP_BCONTAINS:
	case OP_BSTARTSWITH:
		for (int i = 0; i < n->nvals; i++)
			if (hexbytes(&e->arena, n->vals[i], &k->vals[i], &k->lens[i]) < 0) {
				diag_add(ce->d, ENGINE_DIAG_ERROR, &n->pos, type, name,
				         "'%s' is not a hex byte string", n->vals[i]);
				ce->errors++;
				return -1;
			}
		k->s = k->vals[0];
		k->slen = k->lens[0];
		break;
	case OP_REGEX:
		return check_regex(ce, k, n, type, name);
	default:
		break;
	}
	return 0;
oom:
	cexp_oom(ce, &n->pos, type, name);
	return -1;
}

/* check -> field op [values | field] */
static struct echeck *compile_check(struct cerr *ce, const struct cnode *n, const char *type,
                                    const char *name)
{
	struct engine *e = ce->e;
	struct echeck *k = calloc(1, sizeof(*k));
	int rc;

	if (!k || ptrvec_push(&e->arena, &e->checks, k) < 0) {
		free(k);
		return NULL;
	}
	if (check_lhs(ce, k, n, type, name) < 0)
		return NULL;
	if (k->op == OP_EXISTS)
		return k;
	if (n->rhs_kind == RHS_FIELD) {
		struct fref rr;
		if (resolve_field(ce, &n->rhs, &rr, type, name, 1) < 0)
			return NULL;
		k->rhs_slot = engine_slot(e, &rr);
		if (k->rhs_slot < 0) {
			cexp_oom(ce, &n->pos, type, name);
			return NULL;
		}
		return k;
	}
	warn_na(ce, n, type, name);
	k->nvals = n->nvals;
	k->vals = n->vals;
	k->lens = arena_alloc(&e->arena, (size_t)(n->nvals + 1) * sizeof(*k->lens));
	if (!k->lens) {
		cexp_oom(ce, &n->pos, type, name);
		return NULL;
	}
	for (int i = 0; i < n->nvals; i++)
		k->lens[i] = strlen(n->vals[i]);
	if (n->nvals > 0) {
		k->s = n->vals[0];
		k->slen = k->lens[0];
	}
	if (k->type == FT_INT || k->type == FT_BOOL)
		rc = check_nums(ce, k, n, type, name);
	else if (k->type == FT_IPNET)
		rc = check_nets(ce, k, n, type, name);
	else
		rc = check_strings(ce, k, n, type, name);
	return rc < 0 ? NULL : k;
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
	pcre2_match_context_free(e->re_mctx);
	pcre2_jit_stack_free(e->re_jitstack);
	e->re_mctx = e->re_jitstack = NULL;
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

	if (!en) {
		cexp_oom(ce, &n->pos, type, name);
		return NULL;
	}
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
	if (!en->kids && n->nkids) {
		cexp_oom(ce, &n->pos, type, name);
		return NULL;
	}
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
		if (ptrvec_push(&e->arena, &vals, (void *)a->s) < 0)
			return; /* out of memory: the checks stay as they are */
		struct pset *p = NULL;
		int j;
		for (j = i + 1; j < n->nkids; j++) {
			struct echeck *b = n->kids[j]->kind == EN_CHECK ? n->kids[j]->chk : NULL;
			if (b && b->op == OP_STARTSWITH && b->slot == a->slot && !b->nxf &&
			    !b->mod && !b->any_anc && b->rhs_slot < 0 && !b->pfx &&
			    ptrvec_push(&e->arena, &vals, (void *)b->s) < 0)
				return;
		}
		if (vals.n > 1)
			p = pset_new(&e->arena, (const char *const *)vals.v, vals.n, 0);
		if (!p)
			continue;
		int out = i + 1;
		for (j = i + 1; j < n->nkids; j++) {
			struct echeck *b = n->kids[j]->kind == EN_CHECK ? n->kids[j]->chk : NULL;
			if (b && b->op == OP_STARTSWITH && b->slot == a->slot && !b->nxf &&
			    !b->mod && !b->any_anc && b->rhs_slot < 0 && !b->pfx)
				continue;
			n->kids[out++] = n->kids[j];
		}
		n->nkids = out;
		a->pfx = p;
	}
}

static void skip_rule(struct rl_rule *r, const char *reason)
{
	r->active = 0;
	if (!r->skip_reason)
		r->skip_reason = reason;
}

/* Condition → expanded tree → compiled nodes and event-type set. */
static void compile_condition(struct cerr *ce, struct rl_rule *r)
{
	struct engine *e = ce->e;
	struct cnode *ast = cexp_parse_text(ce, &r->cond, "rule", r->name);

	if (ast)
		ast = cexp_expand(ce, ast, "rule", r->name, 0);
	if (ast)
		ast = cexp_apply_exceptions(ce, r, ast);
	if (ast && tree_depth(ast) > CCOMP_MAX_DEPTH) {
		diag_add(ce->d, ENGINE_DIAG_ERROR, &r->pos, "rule", r->name,
		         "condition nested too deeply after macro expansion (limit %d)",
		         CCOMP_MAX_DEPTH);
		ce->errors++;
		ast = NULL;
	}
	if (!ast)
		return;
	r->ast = ast;
	r->root = compile_node(ce, ast, "rule", r->name);
	if (r->root)
		merge_prefixes(e, r->root);
	evtset_of_cond(e, ast, 0, &r->types);
	r->ntypes = 0;
	for (int i = 0; i < e->nevt; i++)
		r->ntypes += evtset_has(&r->types, i);
}

/* The output template (with the engine's appended text). */
static void compile_output(struct cerr *ce, struct rl_rule *r)
{
	struct engine *e = ce->e;
	const char *fmt = r->output;
	int ferr = 0;

	if (e->append_output && *e->append_output)
		fmt = arena_printf(&e->arena, "%s %s", r->output, e->append_output);
	if (!fmt) {
		cexp_oom(ce, &r->output_pos, "rule", r->name);
		return;
	}
	r->fmt = ofmt_compile(e, fmt, &r->output_pos, r->name, ce->d, &ferr);
	if (ferr) {
		ce->errors += ferr;
		ce->unknown_field = 1;
	} else {
		r->afields = arena_alloc(&e->arena, (size_t)(ofmt_count_fields(r->fmt) + 1) *
		                                        sizeof(*r->afields));
		if (!r->afields)
			cexp_oom(ce, &r->output_pos, "rule", r->name);
	}
}

/* A compiled rule is active unless something says it cannot or should
 * not run; the first reason found is kept. */
static void activate_rule(struct engine *e, struct rl_rule *r, struct engine_diag *d,
                          const char *unsupported)
{
	if (unsupported) {
		skip_rule(r, arena_printf(&e->arena, "field %s cannot be supplied from audit data",
		                          unsupported));
		diag_add(d, ENGINE_DIAG_WARNING, &r->pos, "rule", r->name,
		         "skipped: condition uses field %s, which audit data cannot supply",
		         unsupported);
		return;
	}
	if (r->warn_evttypes && r->ntypes > EVT_WARN_THRESHOLD)
		diag_add(d, ENGINE_DIAG_WARNING, &r->pos, "rule", r->name,
		         "Rule matches too many evt.type values. This has a significant "
		         "performance penalty.");
	if (r->ntypes == 0)
		skip_rule(r, "condition can never match any event type");
	else if (!r->selected)
		skip_rule(r, "disabled");
	else if (r->priority > (int)e->min_priority)
		skip_rule(r, "priority below the configured minimum");
	else
		r->active = 1;
}

static int compile_rule_in(struct engine *e, struct rl_rule *r, struct engine_diag *d,
                           struct engine_diag *final, int *errs)
{
	struct cerr ce = {.e = e, .d = d, .rule = r};

	r->active = 0;
	r->skip_reason = NULL;
	if (strcmp(r->source, "syscall") != 0) {
		diag_add(d, ENGINE_DIAG_NOTE, &r->pos, "rule", r->name,
		         "Unknown source %s, skipping", r->source);
		skip_rule(r, arena_printf(&e->arena, "source '%s' is not evaluated", r->source));
		return 0;
	}
	compile_condition(&ce, r);
	if (!ce.errors)
		compile_output(&ce, r);
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
	activate_rule(e, r, d, ce.unsupported);
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

int ccomp_rules(struct engine *e, struct engine_diag *d)
{
	int errs = 0;
	struct cerr ce = {.e = e, .d = d};

	/* Every macro must parse, used or not (Falco compiles them all). */
	for (size_t i = 0; i < e->macros.n; i++) {
		struct rl_macro *m = e->macros.v[i];
		if (!m->ast && m->state == 0) {
			m->ast = cexp_parse_text(&ce, &m->cond, "macro", m->name);
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
				hit = ccomp_glob_match(sel->pattern, r->name, 0);
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
			cexp_macro_tree(&ce, m, 0);
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
