/*
 * kfilter_emit.c — kernel-filter compiler, second phase: each rule's terms
 * (kfilter.c) become kernel rules per syscall, widened to the kernel's
 * limits and merged across rules; each rule gets its cost class; the set
 * is rendered as libaudit field pairs and auditctl lines.
 *
 * A constraint becomes audit fields only on the syscalls where the engine
 * reads it from that argument (open flags: a1 of open, a2 of openat,
 * nothing for openat2 whose flags are in a struct; socket domain: a0 of
 * socket/socketpair; ptrace request: a0 of ptrace; fd.name paths: the open
 * family; evt.arg paths: the file syscalls), elsewhere it is dropped.
 * Disjunctive constraints (several files, domains, requests, exes) become
 * one kernel rule each; a rule causing more than KFILTER_MAX_PER_RULE
 * kernel rules loses its disjunctive constraints. Kernel rules with equal
 * fields are merged (syscalls and served rules united), and a syscall is
 * dropped from a kernel rule when another one has it with a subset of the
 * fields (that one passes every event this one would).
 *
 * Audit semantics respected: one path= per rule and never with dir=; a
 * prefix that does not end at a directory boundary ("/etc/shad") becomes
 * dir= of its directory; dir= covers the subtree; `aN&v` is (aN & v) != 0,
 * `aN&=v` is (aN & v) == v; aN, exit and uid compare as u32. See kfilter.h
 * for what the integration layer must do with path=, dir= and exe=.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <libaudit.h>
#include <stdlib.h>
#include <string.h>

#include "engine/kfilter_int.h"

static int name_in(const char *s, const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(s, names[i]) == 0)
			return 1;
	return 0;
}

static const char *const open_family[] = {"open", "openat", "openat2", "creat", NULL};
static const char *const fd_makers[] = {"open",   "openat",  "openat2",           "creat", "socket",
                                        "accept", "accept4", "open_by_handle_at", NULL};
static const char *const file_calls[] = {
    "open",      "openat",      "openat2", "creat",    "unlink",   "unlinkat",  "rename",
    "renameat",  "renameat2",   "link",    "linkat",   "symlink",  "symlinkat", "mkdir",
    "mkdirat",   "rmdir",       "chmod",   "fchmodat", "chown",    "lchown",    "fchownat",
    "truncate",  "mknod",       "mknodat", "execve",   "execveat", "utimensat", "setxattr",
    "lsetxattr", "removexattr", NULL};

struct emit {
	struct arena *a;
	struct ptrvec *out; /* kf_term * */
	int nodisj;         /* drop multi-valued constraints */
	int oom;            /* an allocation failed: the output is incomplete */
};

static void add_f(struct kf_term *t, enum kf_ftype ty, enum kf_op op, uint32_t v, const char *s)
{
	if (t->nf >= KFILTER_MAX_FIELDS - 4) /* room for arch, pid, key, exe */
		return;
	t->f[t->nf++] = (struct kf_field){.type = ty, .op = op, .val = v, .str = s};
}

static void add_range(struct kf_term *t, enum kf_ftype ty, int64_t lo, int64_t hi)
{
	if (lo == hi) {
		add_f(t, ty, KF_EQ, (uint32_t)lo, NULL);
		return;
	}
	if (lo > 0)
		add_f(t, ty, KF_GE, (uint32_t)lo, NULL);
	if (hi < UINT32_MAX)
		add_f(t, ty, KF_LE, (uint32_t)hi, NULL);
}

/* Fields every kernel rule of this term and syscall carries. */
static void base_fields(const struct kcons *c, const char *sys, struct kf_term *t)
{
	if (c->success || (c->succ_fd && name_in(sys, fd_makers)))
		add_f(t, KF_SUCCESS, KF_EQ, 1, NULL);
	if (c->has_exit)
		add_range(t, KF_EXIT, c->elo, c->ehi);
	if (c->has_uid)
		add_range(t, KF_UID, c->ulo, c->uhi);
	enum kf_ftype fa = !strcmp(sys, "open") ? KF_A1 : !strcmp(sys, "openat") ? KF_A2 : KF_A0;
	if (fa != KF_A0)
		for (int i = 0; i < c->nmask; i++)
			add_f(t, fa, KF_BITANY, c->mask[i], NULL);
}

static struct kf_term *term_new(struct arena *a, const char *sys, const char *rule)
{
	struct kf_term *t = arena_alloc(a, sizeof(*t));
	if (!t)
		return NULL;
	memset(t, 0, sizeof(*t));
	t->sys = arena_alloc(a, sizeof(*t->sys));
	t->rules = arena_alloc(a, sizeof(*t->rules));
	if (!t->sys || !t->rules)
		return NULL;
	t->sys[0] = sys;
	t->nsys = 1;
	t->rules[0] = rule;
	t->nrules = 1;
	return t;
}

/* The alternatives (one value each) that apply to sys: count, or 0. */
static int disj(const struct kcons *c, const char *sys, int nodisj, int which)
{
	int n = 0;
	switch (which) {
	case 0:
		if ((c->pk == PK_FD && name_in(sys, open_family)) ||
		    (c->pk == PK_ARG && name_in(sys, file_calls)))
			n = c->path.n;
		break;
	case 1:
		n = c->exe.n;
		break;
	case 2:
		n = (!strcmp(sys, "socket") || !strcmp(sys, "socketpair")) ? c->dom.n : 0;
		break;
	default:
		n = !strcmp(sys, "ptrace") ? c->preq.n : 0;
	}
	if (n < 0 || (nodisj && n > 1))
		return 0;
	return n;
}

static void emit_term_sys(struct emit *em, const struct kcons *c, const char *sys, const char *rule)
{
	int cnt[4], idx[4] = {0, 0, 0, 0};

	for (int w = 0; w < 4; w++)
		cnt[w] = disj(c, sys, em->nodisj, w);
	for (;;) { /* too many alternatives: drop the largest (sound) */
		long prod = 1;
		int big = 0;
		for (int w = 0; w < 4; w++) {
			prod *= cnt[w] ? cnt[w] : 1;
			big = cnt[w] > cnt[big] ? w : big;
		}
		if (prod <= KFILTER_MAX_PER_RULE)
			break;
		cnt[big] = 0;
	}
	for (;;) {
		struct kf_term *t = term_new(em->a, sys, rule);
		if (!t) {
			em->oom = 1;
			return;
		}
		base_fields(c, sys, t);
		if (cnt[1]) {
			add_f(t, KF_EXE, KF_EQ, 0, c->exe.s[idx[1]]);
			t->ns_bound = 1;
		}
		if (cnt[2])
			add_f(t, KF_A0, KF_EQ, c->dom.v[idx[2]], NULL);
		if (cnt[3])
			add_f(t, KF_A0, KF_EQ, c->preq.v[idx[3]], NULL);
		if (cnt[0]) {
			int d = c->path.dir[idx[0]];
			add_f(t, d ? KF_DIR : KF_PATH, KF_EQ, 0, c->path.s[idx[0]]);
			t->ns_bound = 1;
		}
		if (ptrvec_push(em->a, em->out, t) < 0) {
			em->oom = 1;
			return;
		}
		int w = 0;
		while (w < 4 && (!cnt[w] || ++idx[w] == cnt[w])) {
			idx[w] = 0;
			w++;
		}
		if (w == 4)
			return;
	}
}

static int field_eq(const struct kf_field *a, const struct kf_field *b)
{
	if (a->type != b->type || a->op != b->op || a->val != b->val)
		return 0;
	return (!a->str && !b->str) || (a->str && b->str && strcmp(a->str, b->str) == 0);
}

static int fields_eq(const struct kf_term *a, const struct kf_term *b)
{
	if (a->nf != b->nf)
		return 0;
	for (int i = 0; i < a->nf; i++)
		if (!field_eq(&a->f[i], &b->f[i]))
			return 0;
	return 1;
}

/* Adds each name of src not in *dst (arena arrays): one new array of room
 * *n + m per call, not one per name. Sets s->oom when it cannot allocate:
 * a lost syscall name would make the filter unsound. */
static void names_union(struct kfilter_set *s, const char ***dst, size_t *n,
                        const char *const *src, size_t m)
{
	const char **v = NULL;
	size_t k = *n;

	for (size_t j = 0; j < m; j++) {
		size_t i;
		for (i = 0; i < k; i++)
			if (strcmp(v ? v[i] : (*dst)[i], src[j]) == 0)
				break;
		if (i < k)
			continue;
		if (!v) {
			if (!(v = arena_alloc(&s->arena, (*n + m) * sizeof(*v)))) {
				s->oom = 1;
				return;
			}
			if (*n)
				memcpy(v, *dst, *n * sizeof(*v));
		}
		v[k++] = src[j];
	}
	if (v) {
		*dst = v;
		*n = k;
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Merges terms with equal fields into dst (syscalls, rules united). */
static void merge_into(struct kfilter_set *s, struct ptrvec *dst, const struct ptrvec *src)
{
	for (size_t j = 0; j < src->n; j++) {
		struct kf_term *t = src->v[j];
		size_t i;
		for (i = 0; i < dst->n; i++)
			if (fields_eq(dst->v[i], t))
				break;
		if (i == dst->n) {
			struct kf_term *c = arena_alloc(&s->arena, sizeof(*c));
			if (!c || ptrvec_push(&s->arena, dst, c) < 0) {
				s->oom = 1;
				return;
			}
			*c = *t;
			c->nsys = c->nrules = 0;
			c->sys = c->rules = NULL;
		}
		struct kf_term *d = dst->v[i];
		names_union(s, &d->sys, &d->nsys, t->sys, t->nsys);
		names_union(s, &d->rules, &d->nrules, t->rules, t->nrules);
		d->ns_bound |= t->ns_bound;
	}
}

/* 1 when every field of a is a field of b: a kernel rule with a's fields
 * passes every event one with b's fields passes. */
static int fields_subset(const struct kf_term *a, const struct kf_term *b)
{
	for (int i = 0; i < a->nf; i++) {
		int j = 0;
		while (j < b->nf && !field_eq(&a->f[i], &b->f[j]))
			j++;
		if (j == b->nf)
			return 0;
	}
	return 1;
}

/* Removes from b each syscall of a (a's fields a subset of b's), naming
 * b's rules on a, which now serves them on those syscalls. */
static void sys_cut(struct kfilter_set *s, struct kf_term *a, struct kf_term *b)
{
	size_t n = 0, cut = 0;

	for (size_t k = 0; k < b->nsys; k++) {
		size_t i = 0;
		while (i < a->nsys && strcmp(a->sys[i], b->sys[k]) != 0)
			i++;
		if (i < a->nsys)
			cut++;
		else
			b->sys[n++] = b->sys[k];
	}
	b->nsys = n;
	if (cut)
		names_union(s, &a->rules, &a->nrules, b->rules, b->nrules);
}

/* Minimisation across rules: a kernel rule whose syscall another rule
 * also has with a subset of its fields is redundant there (the other one
 * already passes its events); a term left with no syscall is dropped.
 * Syscalls only move out of a term covered by another, so no event is
 * lost whatever the order. */
static void subsume(struct kfilter_set *s, struct ptrvec *terms)
{
	size_t n = 0;

	for (size_t j = 0; j < terms->n; j++) {
		struct kf_term *b = terms->v[j];
		for (size_t i = 0; i < terms->n && b->nsys; i++) {
			struct kf_term *a = terms->v[i];
			if (i != j && a->nsys && fields_subset(a, b))
				sys_cut(s, a, b);
		}
	}
	for (size_t j = 0; j < terms->n; j++) {
		struct kf_term *b = terms->v[j];
		if (b->nsys)
			terms->v[n++] = b;
	}
	terms->n = n;
}

static int is_syscall(const char *name)
{
	return audit_name_to_syscall(name, MACH_86_64) >= 0 ||
	       audit_name_to_syscall(name, MACH_X86) >= 0 ||
	       audit_name_to_syscall(name, MACH_AARCH64) >= 0;
}

static void emit_list(struct engine *e, struct emit *em, const struct tlist *l, const char *rule)
{
	for (int k = 0; k < l->n; k++)
		for (int i = 1; i < e->nevt; i++)
			if (kf_es_has(&l->t[k].types, i) && is_syscall(e->evt_names[i]))
				emit_term_sys(em, &l->t[k].c, e->evt_names[i], rule);
}

/* Appends sys to the comma-separated list unless it is there already. */
static void list_add(char *buf, size_t size, size_t *len, const char *sys)
{
	size_t n = strlen(sys);

	for (const char *p = buf; *p;) {
		size_t m = strcspn(p, ",");
		if (m == n && strncmp(p, sys, n) == 0)
			return;
		p += m;
		p += strspn(p, ", ");
	}
	if (*len + n + 3 < size)
		*len += (size_t)snprintf(buf + *len, size - *len, "%s%s", *len ? ", " : "", sys);
}

/* The rule's cost class from its merged kernel rules: broad lists each
 * syscall that has a kernel rule with no field but success=. */
static const char *rule_class(struct arena *a, const struct rl_rule *r, int nevt,
                              const struct ptrvec *mine)
{
	char buf[512];
	size_t len = 0;
	int exec_only = 1;

	if (r->ntypes >= nevt - 1)
		return "broad: any syscall (not audited)";
	buf[0] = '\0';
	for (size_t i = 0; i < mine->n; i++) {
		const struct kf_term *t = mine->v[i];
		int bounded = 0;
		for (int f = 0; f < t->nf; f++)
			bounded |= t->f[f].type != KF_SUCCESS;
		for (size_t k = 0; k < t->nsys; k++) {
			if (strcmp(t->sys[k], "execve") && strcmp(t->sys[k], "execveat"))
				exec_only = 0;
			if (!bounded)
				list_add(buf, sizeof(buf), &len, t->sys[k]);
		}
	}
	if (exec_only)
		return "exec";
	if (!len)
		return "narrow";
	return arena_printf(a, "broad: every %s on the host", buf);
}

static void build_rule(struct engine *e, struct kfilter_set *s, struct rl_rule *r, int precise)
{
	struct ptrvec raw = {0}, mine = {0};
	struct emit em = {.a = &s->arena, .out = &raw};
	struct tlist l = kf_rule_terms(e, r, precise);
	const char *name = arena_strdup(&s->arena, r->name);

	emit_list(e, &em, &l, name);
	merge_into(s, &mine, &raw);
	if (mine.n > KFILTER_MAX_PER_RULE) {
		raw.n = mine.n = 0;
		em.nodisj = 1;
		emit_list(e, &em, &l, name);
		merge_into(s, &mine, &raw);
	}
	free(l.t);
	if (em.oom || l.oom || !name) {
		s->oom = 1;
		return;
	}
	for (size_t i = 0; i < mine.n; i++) {
		struct kf_term *t = mine.v[i];
		qsort(t->sys, t->nsys, sizeof(*t->sys), cmp_str);
	}
	struct krule_cls *rc = arena_alloc(&s->arena, sizeof(*rc));
	if (!rc || ptrvec_push(&s->arena, &s->rules, rc) < 0) {
		s->oom = 1;
		return;
	}
	rc->name = name;
	rc->cls = rule_class(&s->arena, r, e->nevt, &mine);
	merge_into(s, &s->terms, &mine);
}

int kfilter_build(struct engine *e, int precise, struct kfilter_set **out, char *errbuf,
                  size_t errlen)
{
	struct kfilter_set *s;

	*out = NULL;
	if (!e->compiled) {
		snprintf(errbuf, errlen, "kernel filters: the rules are not compiled");
		return -1;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(errbuf, errlen, "kernel filters: out of memory");
		return -1;
	}
	arena_init(&s->arena);
	for (size_t i = 0; i < e->rules.n; i++) {
		struct rl_rule *r = e->rules.v[i];
		if (r->active)
			build_rule(e, s, r, precise);
	}
	subsume(s, &s->terms);
	if (s->oom) {
		snprintf(errbuf, errlen, "kernel filters: out of memory");
		kfilter_free(s);
		return -1;
	}
	for (size_t i = 0; i < s->terms.n; i++) {
		struct kf_term *t = s->terms.v[i];
		qsort(t->sys, t->nsys, sizeof(*t->sys), cmp_str);
	}
	*out = s;
	return 0;
}

void kfilter_free(struct kfilter_set *s)
{
	if (!s)
		return;
	arena_free(&s->arena);
	free(s);
}

size_t kfilter_count(const struct kfilter_set *s)
{
	return s->terms.n;
}

const struct kf_term *kfilter_term(const struct kfilter_set *s, size_t i)
{
	return i < s->terms.n ? s->terms.v[i] : NULL;
}

size_t kfilter_rule_count(const struct kfilter_set *s)
{
	return s->rules.n;
}

const char *kfilter_rule_name(const struct kfilter_set *s, size_t i)
{
	return i < s->rules.n ? ((const struct krule_cls *)s->rules.v[i])->name : NULL;
}

const char *kfilter_rule_class(const struct kfilter_set *s, const char *rule)
{
	for (size_t i = 0; i < s->rules.n; i++) {
		const struct krule_cls *rc = s->rules.v[i];
		if (strcmp(rc->name, rule) == 0)
			return rc->cls;
	}
	return NULL;
}

/* ---- rendering ---- */

static const char *const ftype_names[] = {"a0",   "a1",  "a2",  "a3",   "success",
                                          "exit", "uid", "exe", "path", "dir"};
static const char *const op_names[] = {"=", "!=", "<", "<=", ">", ">=", "&", "&="};

int kfilter_field_text(const struct kf_field *f, char *out, size_t size)
{
	int n;

	if (f->str)
		n = snprintf(out, size, "%s%s%s", ftype_names[f->type], op_names[f->op], f->str);
	else
		n = snprintf(out, size, "%s%s%" PRIu32, ftype_names[f->type], op_names[f->op],
		             f->val);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int kfilter_term_fieldpairs(const struct kf_term *t, char out[][KFILTER_FIELD_TEXT], int max)
{
	if (t->nf > max)
		return -1;
	for (int i = 0; i < t->nf; i++)
		if (kfilter_field_text(&t->f[i], out[i], KFILTER_FIELD_TEXT) < 0)
			return -1;
	return t->nf;
}

void kfilter_print_fields(const struct kf_term *t, FILE *out)
{
	char pair[KFILTER_FIELD_TEXT];

	for (int i = 0; i < t->nf; i++) {
		if (kfilter_field_text(&t->f[i], pair, sizeof(pair)) < 0)
			snprintf(pair, sizeof(pair), "%s(too long)", ftype_names[t->f[i].type]);
		fprintf(out, "%s-F %s", i ? " " : "", pair);
	}
}

int kfilter_print(const struct kfilter_set *s, const char *arch, FILE *out)
{
	for (size_t i = 0; i < s->terms.n; i++) {
		const struct kf_term *t = s->terms.v[i];
		fputs("#", out);
		for (size_t r = 0; r < t->nrules; r++)
			fprintf(out, "%s %s", r ? "," : "", t->rules[r]);
		fprintf(out, "\n-a always,exit -F arch=%s -S ", arch);
		for (size_t k = 0; k < t->nsys; k++)
			fprintf(out, "%s%s", k ? "," : "", t->sys[k]);
		if (t->nf)
			fputs(" ", out);
		kfilter_print_fields(t, out);
		fprintf(out, " -F key=%s\n", "kestrel");
	}
	return (int)s->terms.n;
}
