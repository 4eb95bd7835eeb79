/*
 * kfilter.c — kernel audit filters compiled from the rules (see kfilter.h),
 * first phase: each active rule's expanded condition (rl_rule.ast: macros,
 * lists and exceptions already in the tree) abstracted into a disjunction
 * of terms. kfilter_check.c reads single checks, kfilter_emit.c turns the
 * terms into kernel rules, kfilter_match.c evaluates them over events.
 *
 * A term is a set of event types and a conjunction of abstract constraints
 * (path names/prefixes, open-flag bits, socket domains, ptrace requests,
 * success, exit range, uid range, exe). The abstraction is sound: AND
 * intersects the types and joins the constraints, OR concatenates terms, a
 * NOT flips evt.type tests exactly (as the engine's own evttypes does) and
 * turns every other test into "no constraint"; a field or operator not
 * understood is no constraint. Lists are kept small: a term with no
 * constraint absorbs every term whose types it covers (so the negated
 * conjunctions of exceptions, "not (A and B)" = "true or true", cost
 * nothing), equal terms are dropped, and past KF_MAXTERMS the terms are
 * joined into one (union of types, only what every term requires).
 */
#include <stdlib.h>
#include <string.h>

#include "engine/kfilter_int.h"

/* ---- abstract values ---- */

void kf_cons_top(struct kcons *c)
{
	memset(c, 0, sizeof(*c));
	c->path.n = c->exe.n = -1;
	c->dom.n = c->preq.n = -1;
}

static int tl_push(struct tlist *l, const struct kterm *t)
{
	struct kterm *p = realloc(l->t, (size_t)(l->n + 1) * sizeof(*p));
	if (!p) {
		l->oom = 1;
		return -1;
	}
	l->t = p;
	l->t[l->n++] = *t;
	return 0;
}

static void es_fill(struct evtset *s, int v)
{
	memset(s->w, v ? 0xff : 0, sizeof(s->w));
}

static int es_empty(const struct evtset *s)
{
	for (int i = 0; i < EVT_WORDS; i++)
		if (s->w[i])
			return 0;
	return 1;
}

int kf_es_has(const struct evtset *s, int i)
{
	return (int)((s->w[i / 64] >> (i % 64)) & 1u);
}

static struct tlist tl_one(const struct kcons *c, const struct evtset *types)
{
	struct tlist l = {0, NULL, 0};
	struct kterm t;

	t.types = *types;
	t.c = *c;
	tl_push(&l, &t);
	return l;
}

static struct tlist tl_top(void)
{
	struct kcons c;
	struct evtset all;

	kf_cons_top(&c);
	es_fill(&all, 1);
	return tl_one(&c, &all);
}

static int strs_has(const struct kstrs *a, const char *s, unsigned char dir)
{
	for (int i = 0; i < a->n; i++)
		if (a->dir[i] == dir && strcmp(a->s[i], s) == 0)
			return 1;
	return 0;
}

/* Joins two string sets (either one holds): union, or none when too big. */
static void strs_join(struct kstrs *a, const struct kstrs *b)
{
	if (a->n < 0 || b->n < 0) {
		a->n = -1;
		return;
	}
	for (int i = 0; i < b->n; i++) {
		if (strs_has(a, b->s[i], b->dir[i]))
			continue;
		if (a->n >= KF_MAXV) {
			a->n = -1;
			return;
		}
		a->s[a->n] = b->s[i];
		a->dir[a->n++] = b->dir[i];
	}
}

static void vals_join(struct kvals *a, const struct kvals *b)
{
	if (a->n < 0 || b->n < 0 || a->n + b->n > KF_MAXV) {
		a->n = -1;
		return;
	}
	for (int i = 0; i < b->n; i++)
		a->v[a->n++] = b->v[i];
}

/* Either a or b holds: keeps what both require. */
static void cons_join(struct kcons *a, const struct kcons *b)
{
	a->fdneed |= b->fdneed;
	if (a->pk != b->pk)
		a->pk = PK_NONE;
	if (a->pk == PK_NONE)
		a->path.n = -1;
	else
		strs_join(&a->path, &b->path);
	if (a->path.n < 0)
		a->pk = PK_NONE;
	int n = 0;
	for (int i = 0; i < a->nmask; i++)
		for (int j = 0; j < b->nmask; j++)
			if (a->mask[i] == b->mask[j]) {
				a->mask[n++] = a->mask[i];
				break;
			}
	a->nmask = n;
	vals_join(&a->dom, &b->dom);
	vals_join(&a->preq, &b->preq);
	a->success = a->success && b->success;
	a->succ_fd = a->succ_fd && b->succ_fd;
	a->has_uid = a->has_uid && b->has_uid;
	a->ulo = a->ulo < b->ulo ? a->ulo : b->ulo;
	a->uhi = a->uhi > b->uhi ? a->uhi : b->uhi;
	a->has_exit = a->has_exit && b->has_exit;
	a->elo = a->elo < b->elo ? a->elo : b->elo;
	a->ehi = a->ehi > b->ehi ? a->ehi : b->ehi;
	strs_join(&a->exe, &b->exe);
}

static void vals_meet(struct kvals *a, const struct kvals *b)
{
	struct kvals r = {0};

	if (b->n < 0)
		return;
	if (a->n < 0) {
		*a = *b;
		return;
	}
	for (int i = 0; i < a->n; i++)
		for (int j = 0; j < b->n; j++)
			if (a->v[i] == b->v[j]) {
				r.v[r.n++] = a->v[i];
				break;
			}
	if (r.n > 0) /* empty: keep a (never drop a term on a guess) */
		*a = r;
}

/* Both a and b hold: keeps the narrower of alternatives it cannot meet. */
static void cons_meet(struct kcons *a, const struct kcons *b)
{
	a->fdneed |= b->fdneed;
	if (b->pk != PK_NONE && (a->pk == PK_NONE || b->path.n < a->path.n)) {
		a->pk = b->pk;
		a->path = b->path;
	}
	for (int i = 0; i < b->nmask && a->nmask < KF_MAXMASK; i++)
		a->mask[a->nmask++] = b->mask[i];
	vals_meet(&a->dom, &b->dom);
	vals_meet(&a->preq, &b->preq);
	a->success = a->success || b->success;
	a->succ_fd = a->succ_fd || b->succ_fd;
	if (b->has_uid) {
		int64_t lo = a->has_uid && a->ulo > b->ulo ? a->ulo : b->ulo;
		int64_t hi = a->has_uid && a->uhi < b->uhi ? a->uhi : b->uhi;
		if (lo <= hi) {
			a->has_uid = 1;
			a->ulo = lo;
			a->uhi = hi;
		}
	}
	if (b->has_exit) {
		int64_t lo = a->has_exit && a->elo > b->elo ? a->elo : b->elo;
		int64_t hi = a->has_exit && a->ehi < b->ehi ? a->ehi : b->ehi;
		if (lo <= hi) {
			a->has_exit = 1;
			a->elo = lo;
			a->ehi = hi;
		}
	}
	if (b->exe.n >= 0 && (a->exe.n < 0 || b->exe.n < a->exe.n))
		a->exe = b->exe;
}

/* Too many alternatives: one term that every one of them implies. */
static void tl_widen(struct tlist *l)
{
	for (int i = 1; i < l->n; i++) {
		for (int w = 0; w < EVT_WORDS; w++)
			l->t[0].types.w[w] |= l->t[i].types.w[w];
		cons_join(&l->t[0].c, &l->t[i].c);
	}
	if (l->n > 1)
		l->n = 1;
}

static int strs_eq(const struct kstrs *a, const struct kstrs *b)
{
	if (a->n != b->n)
		return 0;
	for (int i = 0; i < a->n; i++)
		if (a->dir[i] != b->dir[i] || strcmp(a->s[i], b->s[i]) != 0)
			return 0;
	return 1;
}

static int vals_eq(const struct kvals *a, const struct kvals *b)
{
	return a->n == b->n && (a->n <= 0 || !memcmp(a->v, b->v, (size_t)a->n * sizeof(a->v[0])));
}

static int cons_eq(const struct kcons *a, const struct kcons *b)
{
	if (a->fdneed != b->fdneed)
		return 0;
	if (a->pk != b->pk || a->nmask != b->nmask || a->success != b->success ||
	    a->succ_fd != b->succ_fd || a->has_uid != b->has_uid || a->has_exit != b->has_exit)
		return 0;
	if (memcmp(a->mask, b->mask, (size_t)a->nmask * sizeof(a->mask[0])))
		return 0;
	if (a->has_uid && (a->ulo != b->ulo || a->uhi != b->uhi))
		return 0;
	if (a->has_exit && (a->elo != b->elo || a->ehi != b->ehi))
		return 0;
	return strs_eq(&a->path, &b->path) && strs_eq(&a->exe, &b->exe) &&
	       vals_eq(&a->dom, &b->dom) && vals_eq(&a->preq, &b->preq);
}

static int cons_is_top(const struct kcons *c)
{
	struct kcons top;

	kf_cons_top(&top);
	return cons_eq(c, &top);
}

/* 1 when every event of b is an event of a. */
static int term_covers(const struct kterm *a, const struct kterm *b)
{
	for (int w = 0; w < EVT_WORDS; w++)
		if (b->types.w[w] & ~a->types.w[w])
			return 0;
	return cons_is_top(&a->c) || cons_eq(&a->c, &b->c);
}

/* Adds t to the disjunction unless a term covers it; drops the terms it
 * covers. */
static void tl_add(struct tlist *l, const struct kterm *t)
{
	int n = 0;

	for (int i = 0; i < l->n; i++)
		if (term_covers(&l->t[i], t))
			return;
	for (int i = 0; i < l->n; i++)
		if (!term_covers(t, &l->t[i]))
			l->t[n++] = l->t[i];
	l->n = n;
	tl_push(l, t);
	if (l->n > KF_MAXTERMS)
		tl_widen(l);
}

static struct tlist tl_and(struct tlist a, struct tlist b)
{
	struct tlist r = {0, NULL, a.oom | b.oom};

	for (int i = 0; i < a.n; i++)
		for (int j = 0; j < b.n; j++) {
			struct kterm t = a.t[i];
			for (int w = 0; w < EVT_WORDS; w++)
				t.types.w[w] &= b.t[j].types.w[w];
			if (es_empty(&t.types))
				continue;
			cons_meet(&t.c, &b.t[j].c);
			tl_add(&r, &t);
		}
	free(a.t);
	free(b.t);
	return r;
}

static struct tlist tl_or(struct tlist a, struct tlist b)
{
	for (int j = 0; j < b.n; j++)
		tl_add(&a, &b.t[j]);
	a.oom |= b.oom;
	free(b.t);
	return a;
}

/* ---- condition → terms ---- */

static struct tlist walk(struct engine *e, const struct cnode *n, int neg);

static struct tlist walk_check(struct engine *e, const struct cnode *n, int neg)
{
	struct kcons c;
	struct evtset all;

	if (strcmp(n->lhs.name, "evt.type") == 0 && !n->lhs.nxforms && !n->lhs.arg &&
	    (n->op == OP_EQ || n->op == OP_NE || n->op == OP_IN) && n->mod == MOD_NONE &&
	    n->rhs_kind != RHS_FIELD) {
		struct evtset s;
		es_fill(&s, 0);
		for (int i = 0; i < n->nvals; i++) {
			int id = engine_evt_id(e, n->vals[i], 1);
			s.w[id / 64] |= 1ull << (id % 64);
		}
		if ((n->op == OP_NE) != neg)
			for (int w = 0; w < EVT_WORDS; w++)
				s.w[w] = ~s.w[w];
		kf_cons_top(&c);
		return tl_one(&c, &s);
	}
	/* a positive check that reads fd state fails without the table's
	 * entry: the term remembers it (a negated one only fires more); a
	 * stale proc.cwd can hide a match either way */
	unsigned need = kf_check_fd_needs(n) & (neg ? (KF_NEED_CWD | KF_NEED_CAPS) : ~0u);
	struct tlist l;
	if (neg || kf_check_cons(&e->arena, n, &c) < 0) {
		l = tl_top();
	} else {
		es_fill(&all, 1);
		l = tl_one(&c, &all);
	}
	for (int i = 0; i < l.n; i++)
		l.t[i].c.fdneed |= need;
	return l;
}

static struct tlist walk(struct engine *e, const struct cnode *n, int neg)
{
	switch (n->kind) {
	case CN_AND:
	case CN_OR: {
		int inter = (n->kind == CN_AND) != neg;
		struct tlist r = walk(e, n->kids[0], neg);
		for (int i = 1; i < n->nkids; i++) {
			struct tlist k = walk(e, n->kids[i], neg);
			r = inter ? tl_and(r, k) : tl_or(r, k);
		}
		return r;
	}
	case CN_NOT:
		return walk(e, n->kids[0], !neg);
	case CN_CHECK:
		return walk_check(e, n, neg);
	default:
		return tl_top();
	}
}

struct tlist kf_rule_terms(struct engine *e, const struct rl_rule *r, int precise)
{
	struct kcons c;
	struct tlist l;

	if (precise && r->ast) {
		l = walk(e, r->ast, 0);
		/* fd fields on a syscall that does not describe the fd need the
		 * syscalls that feed the fd table */
		if (kf_fd_table_terms(e, r, &l) < 0)
			l.oom = 1;
		return l;
	}
	kf_cons_top(&c);
	return tl_one(&c, &r->types);
}
