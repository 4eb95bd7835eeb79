/*
 * compile.c — code generation: turns each rule's expanded condition
 * (expand.c) into evaluable nodes (eval.c), each check compiled by
 * compile_check.c, orders and/or operands by cost, merges prefix checks,
 * derives the rule's event-type set (evtidx.c), compiles outputs with
 * their append_output entries and applies the rule selection.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "engine/ccomp.h"
#include "engine/lex.h"
#include "engine/sets.h"

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
		en->chk = ccomp_check(ce, n, type, name);
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
		if (!a || a->mv || a->op != OP_STARTSWITH || a->nxf || a->mod || a->any_anc ||
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
/* 1 when the append_output entry applies to rule r. */
static int append_matches(const struct engine_append *a, const struct rl_rule *r)
{
	if (a->match_rule && strcmp(a->match_rule, r->name) != 0)
		return 0;
	if (a->match_source && strcmp(a->match_source, r->source ? r->source : "syscall") != 0)
		return 0;
	for (int i = 0; i < a->nmatch_tags; i++) {
		size_t t = 0;
		while (t < r->tags.n && strcmp(r->tags.v[t], a->match_tags[i]) != 0)
			t++;
		if (t == r->tags.n)
			return 0;
	}
	return 1;
}

/* The rule's output, the engine's append text and the matching entries'
 * formats; their extra fields into *extra. NULL when out of memory. */
static const char *output_text(struct engine *e, struct rl_rule *r, struct ptrvec *extra)
{
	const char *fmt = r->output;

	if (e->append_output && *e->append_output)
		fmt = arena_printf(&e->arena, "%s %s", fmt, e->append_output);
	for (size_t i = 0; fmt && i < e->appends.n; i++) {
		const struct engine_append *a = e->appends.v[i];
		if (!append_matches(a, r))
			continue;
		if (a->format)
			fmt = arena_printf(&e->arena, "%s %s", fmt, a->format);
		for (int k = 0; k < a->nextra_fields; k++)
			if (ptrvec_push(&e->arena, extra, (void *)a->extra_fields[k]) < 0)
				return NULL;
	}
	return fmt;
}

static void compile_output(struct cerr *ce, struct rl_rule *r)
{
	struct engine *e = ce->e;
	struct ptrvec extra = {0};
	const char *fmt = output_text(e, r, &extra);
	int ferr = 0;

	if (!fmt) {
		cexp_oom(ce, &r->output_pos, "rule", r->name);
		return;
	}
	r->fmt = ofmt_compile(e, fmt, (const char *const *)extra.v, (int)extra.n, &r->output_pos,
	                      r->name, ce->d, &ferr);
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
