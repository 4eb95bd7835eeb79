/*
 * loader.c — reads Falco rule files (libyaml document API, keeping line and
 * column marks) into the engine's collection of lists, macros and rules,
 * applying Falco's redefinition, append, override and enabled-only
 * semantics. A file is atomic: when it has any error, the collection is
 * restored to what it was before the file and every error is reported.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "engine/engine_int.h"
#include "util/yamldepth.h"
#include "engine/lex.h"

struct lctx {
	struct engine *e;
	struct arena *a;
	const char *file;
	const char *text;
	size_t len;
	size_t *line_off; /* byte offset of each line (0-based lines) */
	size_t nlines;
	yaml_document_t *doc;
	struct engine_diag *d;
	int errors;
};

enum ov_op { OV_NONE = 0, OV_APPEND, OV_REPLACE };

/* ---- helpers ---- */

static struct src_pos mark_pos(struct lctx *l, yaml_mark_t m)
{
	struct src_pos p = {l->file, (int)m.line + 1, (int)m.column + 1};
	return p;
}

static struct src_pos node_pos(struct lctx *l, yaml_node_t *n)
{
	return mark_pos(l, n->start_mark);
}

static void lmsg(struct lctx *l, enum engine_diag_level lvl, yaml_node_t *n, const char *type,
                 const char *name, const char *fmt, va_list ap)
{
	struct src_pos p = node_pos(l, n);
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	diag_add(l->d, lvl, &p, type, name, "%s", msg);
	if (lvl == ENGINE_DIAG_ERROR)
		l->errors++;
}

__attribute__((format(printf, 5, 6))) static void
lerr(struct lctx *l, yaml_node_t *n, const char *type, const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lmsg(l, ENGINE_DIAG_ERROR, n, type, name, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 5, 6))) static void
lwarn(struct lctx *l, yaml_node_t *n, const char *type, const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lmsg(l, ENGINE_DIAG_WARNING, n, type, name, fmt, ap);
	va_end(ap);
}

static const char *scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int is_null_scalar(yaml_node_t *n)
{
	const char *s = scalar(n);
	if (!s || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	return *s == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0;
}

static yaml_node_t *map_get(struct lctx *l, yaml_node_t *map, const char *key)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		const char *k = scalar(yaml_document_get_node(l->doc, p->key));
		if (k && strcmp(k, key) == 0)
			return yaml_document_get_node(l->doc, p->value);
	}
	return NULL;
}

static int parse_bool(const char *s, int *out)
{
	static const char *const t[] = {"true", "yes", "on", NULL};
	static const char *const f[] = {"false", "no", "off", NULL};

	for (int i = 0; t[i]; i++) {
		if (strcasecmp(s, t[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, f[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

static int get_bool(struct lctx *l, yaml_node_t *map, const char *key, const char *type,
                    const char *name, int *out)
{
	yaml_node_t *n = map_get(l, map, key);
	const char *s = scalar(n);

	if (!n)
		return 0;
	if (!s || parse_bool(s, out) < 0) {
		lerr(l, n, type, name, "'%s' must be a boolean (true or false)", key);
		return -1;
	}
	return 1;
}

/* A required or optional non-empty scalar. */
static const char *get_str(struct lctx *l, yaml_node_t *map, const char *key, const char *type,
                           const char *name, yaml_node_t **node_out)
{
	yaml_node_t *n = map_get(l, map, key);
	const char *s = scalar(n);

	if (node_out)
		*node_out = n;
	if (!n)
		return NULL;
	if (!s) {
		lerr(l, n, type, name, "Value of '%s' must be a string", key);
		return NULL;
	}
	if (*s == '\0' && strcmp(key, "source") != 0) {
		lerr(l, n, type, name, "Value of '%s' must be non-empty", key);
		return NULL;
	}
	return arena_strdup(l->a, s);
}

/* Sequence of scalars (or one scalar when allow_scalar). */
static int get_str_seq(struct lctx *l, yaml_node_t *n, const char *key, const char *type,
                       const char *name, struct ptrvec *out, int allow_scalar)
{
	if (n->type == YAML_SCALAR_NODE && allow_scalar)
		return ptrvec_push(l->a, out, arena_strdup(l->a, scalar(n)));
	if (n->type != YAML_SEQUENCE_NODE) {
		lerr(l, n, type, name, "Value of '%s' must be a sequence", key);
		return -1;
	}
	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
	     i++) {
		yaml_node_t *it = yaml_document_get_node(l->doc, *i);
		if (!scalar(it)) {
			lerr(l, it, type, name, "Items of '%s' must be strings", key);
			return -1;
		}
		ptrvec_push(l->a, out, arena_strdup(l->a, scalar(it)));
	}
	return 0;
}

static void check_keys(struct lctx *l, yaml_node_t *map, const char *const *known, const char *type,
                       const char *name)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *kn = yaml_document_get_node(l->doc, p->key);
		const char *k = scalar(kn);
		int ok = 0;
		for (int i = 0; k && known[i]; i++)
			if (strcmp(k, known[i]) == 0)
				ok = 1;
		if (!ok)
			lwarn(l, kn, type, name, "Unknown key '%s'. The key will be ignored.",
			      k ? k : "?");
	}
}

/* ---- positions of scalar text ---- */

static size_t raw_offset(struct lctx *l, yaml_mark_t m)
{
	if (m.line >= l->nlines)
		return l->len;
	size_t o = l->line_off[m.line] + m.column;
	return o > l->len ? l->len : o;
}

/* Maps each byte of a scalar's value to its line:column in the file by
 * walking the raw text alongside the value (folding and indentation only
 * drop or turn characters into spaces). */
static struct ptext ptext_from_node(struct lctx *l, yaml_node_t *n)
{
	struct ptext t = {0};
	const char *v = scalar(n);
	size_t vlen = n->data.scalar.length;
	size_t r = raw_offset(l, n->start_mark), end = raw_offset(l, n->end_mark);
	int line = (int)n->start_mark.line + 1, col = (int)n->start_mark.column + 1;
	yaml_scalar_style_t st = n->data.scalar.style;

	t.s = arena_strndup(l->a, v, vlen);
	t.pm.n = vlen;
	t.pm.at = arena_alloc(l->a, (vlen + 1) * sizeof(*t.pm.at));
	if (!t.s || !t.pm.at)
		return t;
#define ADV()                                                                                      \
	do {                                                                                       \
		if (l->text[r] == '\n') {                                                          \
			line++;                                                                    \
			col = 1;                                                                   \
		} else {                                                                           \
			col++;                                                                     \
		}                                                                                  \
		r++;                                                                               \
	} while (0)
	if (st == YAML_LITERAL_SCALAR_STYLE || st == YAML_FOLDED_SCALAR_STYLE) {
		while (r < end && l->text[r] != '\n')
			ADV();
	} else if (st == YAML_SINGLE_QUOTED_SCALAR_STYLE || st == YAML_DOUBLE_QUOTED_SCALAR_STYLE) {
		if (r < end)
			ADV();
	}
	for (size_t i = 0; i < vlen; i++) {
		char c = v[i];
		size_t s = r;
		int sl = line, sc = col;
		while (r < end) {
			char rc = l->text[r];
			if (rc == c || (c == ' ' && rc == '\n'))
				break;
			ADV();
		}
		if (r >= end) { /* escape sequence or mismatch: stay put */
			r = s;
			line = sl;
			col = sc;
			t.pm.at[i] = (struct src_pos){l->file, line, col};
			continue;
		}
		t.pm.at[i] = (struct src_pos){l->file, line, col};
		ADV();
	}
#undef ADV
	t.pm.at[vlen] = (struct src_pos){l->file, line, col};
	return t;
}

/* prev + " " + next, positions kept. */
static struct ptext ptext_append(struct arena *a, const struct ptext *p, const struct ptext *n)
{
	struct ptext t = {0};
	size_t len = p->pm.n + 1 + n->pm.n;

	t.s = arena_alloc(a, len + 1);
	t.pm.at = arena_alloc(a, (len + 1) * sizeof(*t.pm.at));
	if (!t.s || !t.pm.at)
		return t;
	memcpy(t.s, p->s, p->pm.n);
	t.s[p->pm.n] = ' ';
	memcpy(t.s + p->pm.n + 1, n->s, n->pm.n);
	t.s[len] = '\0';
	memcpy(t.pm.at, p->pm.at, p->pm.n * sizeof(*t.pm.at));
	t.pm.at[p->pm.n] = p->pm.at[p->pm.n];
	memcpy(t.pm.at + p->pm.n + 1, n->pm.at, (n->pm.n + 1) * sizeof(*t.pm.at));
	t.pm.n = len;
	return t;
}

/* ---- collection lookups ---- */

static long find_named(struct ptrvec *v, size_t name_off, const char *name)
{
	for (size_t i = 0; i < v->n; i++) {
		const char *n = *(const char **)((char *)v->v[i] + name_off);
		if (strcmp(n, name) == 0)
			return (long)i;
	}
	return -1;
}

#define FIND_LIST(e, n) find_named(&(e)->lists, offsetof(struct rl_list, name), n)
#define FIND_MACRO(e, n) find_named(&(e)->macros, offsetof(struct rl_macro, name), n)
#define FIND_RULE(e, n) find_named(&(e)->rules, offsetof(struct rl_rule, name), n)

static void ptrvec_copy(struct arena *a, struct ptrvec *dst, const struct ptrvec *src)
{
	struct ptrvec v = {0};
	for (size_t i = 0; i < src->n; i++)
		ptrvec_push(a, &v, src->v[i]);
	*dst = v;
}

/* override: map of key → append|replace. Returns -1 on error. */
static int parse_override(struct lctx *l, yaml_node_t *ov, const char *type, const char *name,
                          const char *const *appendable, const char *const *replaceable,
                          const char **keys, enum ov_op *ops, int max)
{
	int n = 0;

	if (ov->type != YAML_MAPPING_NODE) {
		lerr(l, ov, type, name, "'override' must be a map of key: append|replace");
		return -1;
	}
	for (yaml_node_pair_t *p = ov->data.mapping.pairs.start; p < ov->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *kn = yaml_document_get_node(l->doc, p->key);
		yaml_node_t *vn = yaml_document_get_node(l->doc, p->value);
		const char *k = scalar(kn), *v = scalar(vn);
		enum ov_op op = OV_NONE;
		int ok = 0;

		if (!k || n == max)
			continue;
		if (v && strcmp(v, "append") == 0)
			op = OV_APPEND;
		else if (v && strcmp(v, "replace") == 0)
			op = OV_REPLACE;
		const char *const *allowed = op == OV_APPEND ? appendable : replaceable;
		if (op == OV_NONE) {
			char msg[256];
			snprintf(msg, sizeof(msg),
			         "Invalid override operation for key '%s': '%s'. Allowed values "
			         "are: append, replace",
			         k, v ? v : "?");
			lerr(l, vn, type, name, "%s", msg);
			return -1;
		}
		for (int i = 0; allowed[i]; i++)
			if (strcmp(allowed[i], k) == 0)
				ok = 1;
		if (!ok) {
			if (op == OV_APPEND)
				lerr(l, kn, type, name,
				     "Key '%s' cannot be appended to, use 'replace' instead", k);
			else
				lerr(l, kn, type, name, "Key '%s' cannot be replaced", k);
			return -1;
		}
		keys[n] = k;
		ops[n++] = op;
	}
	return n;
}

/* ---- items ---- */

static void do_list(struct lctx *l, yaml_node_t *map)
{
	static const char *const known[] = {"list", "items", "append", "override", NULL};
	static const char *const app[] = {"items", NULL};
	struct engine *e = l->e;
	const char *name = get_str(l, map, "list", "list", NULL, NULL);
	yaml_node_t *items = map_get(l, map, "items"), *ovn = map_get(l, map, "override");
	int append = 0;
	struct rl_list *li;

	if (!name) {
		if (map_get(l, map, "list") == NULL || !l->errors)
			lerr(l, map, "list", NULL, "Item has no mapping for key 'list'");
		return;
	}
	check_keys(l, map, known, "list", name);
	for (const char *c = name; *c; c++)
		if (strchr("()\"'=,", *c) || isspace((unsigned char)*c)) {
			lwarn(l, map, "list", name, "List has an invalid name");
			break;
		}
	if (!items) {
		lerr(l, map, "list", name, "Item has no mapping for key 'items'");
		return;
	}
	if (get_bool(l, map, "append", "list", name, &append) < 0)
		return;
	if (map_get(l, map, "append"))
		lwarn(l, map_get(l, map, "append"), "list", name,
		      "'append' key is deprecated. Add an 'append' entry (e.g. 'items: append') "
		      "under 'override' instead.");
	if (ovn) {
		const char *keys[4];
		enum ov_op ops[4];
		int n = parse_override(l, ovn, "list", name, app, app, keys, ops, 4);
		if (n < 0)
			return;
		if (append) {
			lerr(l, ovn, "list", name,
			     "Keys 'override' and 'append: true' cannot be used together.");
			return;
		}
		append = n > 0 && ops[0] == OV_APPEND;
	}
	li = arena_alloc(l->a, sizeof(*li));
	li->name = name;
	li->pos = node_pos(l, map);
	if (items->type == YAML_SEQUENCE_NODE || is_null_scalar(items)) {
		if (items->type == YAML_SEQUENCE_NODE &&
		    get_str_seq(l, items, "items", "list", name, &li->items, 0) < 0)
			return;
	} else {
		lerr(l, items, "list", name, "Value of 'items' must be a sequence");
		return;
	}
	long idx = FIND_LIST(e, name);
	if (append) {
		if (idx < 0) {
			lerr(l, map, "list", name,
			     "List uses 'append' or 'override.items: append' but no list by that "
			     "name already exists");
			return;
		}
		struct rl_list *prev = e->lists.v[idx], *nl = arena_alloc(l->a, sizeof(*nl));
		*nl = *prev;
		ptrvec_copy(l->a, &nl->items, &prev->items);
		for (size_t i = 0; i < li->items.n; i++)
			ptrvec_push(l->a, &nl->items, li->items.v[i]);
		e->lists.v[idx] = nl;
		return;
	}
	if (idx >= 0)
		e->lists.v[idx] = li;
	else
		ptrvec_push(l->a, &e->lists, li);
}

static void do_macro(struct lctx *l, yaml_node_t *map)
{
	static const char *const known[] = {"macro", "condition", "append", "override", NULL};
	static const char *const app[] = {"condition", NULL};
	struct engine *e = l->e;
	const char *name = get_str(l, map, "macro", "macro", NULL, NULL);
	yaml_node_t *cn;
	int append = 0;

	if (!name) {
		if (!map_get(l, map, "macro"))
			lerr(l, map, "macro", NULL, "Item has no mapping for key 'macro'");
		return;
	}
	check_keys(l, map, known, "macro", name);
	if (!isalpha((unsigned char)name[0]))
		lwarn(l, map, "macro", name, "Macro has an invalid name");
	for (const char *c = name; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_') {
			lwarn(l, map, "macro", name, "Macro has an invalid name");
			break;
		}
	if (!get_str(l, map, "condition", "macro", name, &cn)) {
		if (!cn)
			lerr(l, map, "macro", name, "Item has no mapping for key 'condition'");
		return;
	}
	if (get_bool(l, map, "append", "macro", name, &append) < 0)
		return;
	if (map_get(l, map, "append"))
		lwarn(l, map_get(l, map, "append"), "macro", name,
		      "'append' key is deprecated. Add an 'append' entry (e.g. 'condition: "
		      "append') under 'override' instead.");
	yaml_node_t *ovn = map_get(l, map, "override");
	if (ovn) {
		const char *keys[4];
		enum ov_op ops[4];
		int n = parse_override(l, ovn, "macro", name, app, app, keys, ops, 4);
		if (n < 0)
			return;
		if (append) {
			lerr(l, ovn, "macro", name,
			     "Keys 'override' and 'append: true' cannot be used together.");
			return;
		}
		append = n > 0 && ops[0] == OV_APPEND;
	}
	struct ptext cond = ptext_from_node(l, cn);
	long idx = FIND_MACRO(e, name);
	if (append) {
		if (idx < 0) {
			lerr(l, map, "macro", name,
			     "Macro uses 'append' or 'override.condition: append' but no macro by "
			     "that name already exists");
			return;
		}
		struct rl_macro *prev = e->macros.v[idx], *nm = arena_alloc(l->a, sizeof(*nm));
		*nm = *prev;
		nm->cond = ptext_append(l->a, &prev->cond, &cond);
		e->macros.v[idx] = nm;
		return;
	}
	struct rl_macro *m = arena_alloc(l->a, sizeof(*m));
	m->name = name;
	m->cond = cond;
	m->pos = node_pos(l, map);
	if (idx >= 0)
		e->macros.v[idx] = m;
	else
		ptrvec_push(l->a, &e->macros, m);
}

static struct rl_excval *excval(struct lctx *l, yaml_node_t *n, const char *rname)
{
	struct rl_excval *v = arena_alloc(l->a, sizeof(*v));

	v->pos = node_pos(l, n);
	if (n->type == YAML_SCALAR_NODE) {
		v->s = arena_strdup(l->a, scalar(n));
		return v;
	}
	if (n->type == YAML_SEQUENCE_NODE) {
		v->is_list = 1;
		if (get_str_seq(l, n, "values", "exception", rname, &v->list, 0) < 0)
			return NULL;
		return v;
	}
	lerr(l, n, "exception", rname, "Exception values must be strings or lists");
	return NULL;
}

/* exceptions: [{name, fields, comps, values}] */
static int parse_exceptions(struct lctx *l, yaml_node_t *seq, const char *rname, struct ptrvec *out)
{
	static const char *const known[] = {"name", "fields", "comps", "values", NULL};

	if (seq->type != YAML_SEQUENCE_NODE) {
		lerr(l, seq, "rule", rname, "Value of 'exceptions' must be a sequence");
		return -1;
	}
	for (yaml_node_item_t *i = seq->data.sequence.items.start; i < seq->data.sequence.items.top;
	     i++) {
		yaml_node_t *m = yaml_document_get_node(l->doc, *i);
		if (m->type != YAML_MAPPING_NODE) {
			lerr(l, m, "rule", rname, "Exceptions must be maps");
			return -1;
		}
		struct rl_exc *x = arena_alloc(l->a, sizeof(*x));
		yaml_node_t *fn = map_get(l, m, "fields"), *cn = map_get(l, m, "comps"),
		            *vn = map_get(l, m, "values");
		x->pos = node_pos(l, m);
		x->name = get_str(l, m, "name", "exception", NULL, NULL);
		if (!x->name) {
			lerr(l, m, "exception", NULL, "Item has no mapping for key 'name'");
			return -1;
		}
		check_keys(l, m, known, "exception", x->name);
		if (fn) {
			x->fields_is_list = fn->type == YAML_SEQUENCE_NODE;
			if (get_str_seq(l, fn, "fields", "exception", x->name, &x->fields, 1) < 0)
				return -1;
		}
		if (cn && get_str_seq(l, cn, "comps", "exception", x->name, &x->comps, 1) < 0)
			return -1;
		if (vn && vn->type == YAML_SEQUENCE_NODE) {
			for (yaml_node_item_t *j = vn->data.sequence.items.start;
			     j < vn->data.sequence.items.top; j++) {
				yaml_node_t *t = yaml_document_get_node(l->doc, *j);
				if (t->type == YAML_SEQUENCE_NODE) {
					/* a tuple */
					struct ptrvec *tuple = arena_alloc(l->a, sizeof(*tuple));
					for (yaml_node_item_t *k = t->data.sequence.items.start;
					     k < t->data.sequence.items.top; k++) {
						struct rl_excval *ev = excval(
						    l, yaml_document_get_node(l->doc, *k), x->name);
						if (!ev)
							return -1;
						ptrvec_push(l->a, tuple, ev);
					}
					struct rl_excval *tv = arena_alloc(l->a, sizeof(*tv));
					tv->is_list = 2; /* marks a tuple */
					tv->list = *tuple;
					tv->pos = node_pos(l, t);
					ptrvec_push(l->a, &x->values, tv);
				} else {
					struct rl_excval *ev = excval(l, t, x->name);
					if (!ev)
						return -1;
					ptrvec_push(l->a, &x->values, ev);
				}
			}
		} else if (vn && !is_null_scalar(vn)) {
			lerr(l, vn, "exception", x->name, "Value of 'values' must be a sequence");
			return -1;
		}
		for (size_t k = 0; k < out->n; k++)
			if (strcmp(((struct rl_exc *)out->v[k])->name, x->name) == 0)
				lwarn(l, m, "exception", x->name,
				      "Multiple definitions of exception '%s' in the same rule",
				      x->name);
		ptrvec_push(l->a, out, x);
	}
	return 0;
}

/* Adds exceptions to a rule copy: new names are added, existing ones get
 * their values appended. */
static int append_exceptions(struct lctx *l, yaml_node_t *at, struct rl_rule *r,
                             const struct ptrvec *add)
{
	struct ptrvec merged = {0};

	ptrvec_copy(l->a, &merged, &r->excs);
	for (size_t i = 0; i < add->n; i++) {
		struct rl_exc *x = add->v[i];
		long found = -1;
		for (size_t k = 0; k < merged.n; k++)
			if (strcmp(((struct rl_exc *)merged.v[k])->name, x->name) == 0)
				found = (long)k;
		if (found < 0) {
			if (!x->fields.n) {
				lerr(l, at, "exception", x->name,
				     "Rule exception must have fields property with a list of "
				     "fields");
				return -1;
			}
			ptrvec_push(l->a, &merged, x);
			continue;
		}
		if (x->fields.n || x->comps.n) {
			lerr(l, at, "exception", x->name,
			     "Can not append exception fields/comps to existing exception, only "
			     "values");
			return -1;
		}
		struct rl_exc *old = merged.v[found], *nx = arena_alloc(l->a, sizeof(*nx));
		*nx = *old;
		ptrvec_copy(l->a, &nx->values, &old->values);
		for (size_t k = 0; k < x->values.n; k++)
			ptrvec_push(l->a, &nx->values, x->values.v[k]);
		merged.v[found] = nx;
	}
	r->excs = merged;
	return 0;
}

static void do_rule(struct lctx *l, yaml_node_t *map)
{
	static const char *const known[] = {
	    "rule",
	    "desc",
	    "condition",
	    "output",
	    "priority",
	    "source",
	    "enabled",
	    "tags",
	    "exceptions",
	    "capture",
	    "capture_duration",
	    "warn_evttypes",
	    "skip-if-unknown-filter",
	    "append",
	    "override",
	    NULL,
	};
	static const char *const appendable[] = {"condition", "output",     "desc",
	                                         "tags",      "exceptions", NULL};
	static const char *const replaceable[] = {
	    "condition",
	    "output",
	    "desc",
	    "priority",
	    "capture",
	    "capture_duration",
	    "tags",
	    "exceptions",
	    "enabled",
	    "warn_evttypes",
	    "skip-if-unknown-filter",
	    NULL,
	};
	static const char *const main_keys[] = {"condition", "output", "desc", "priority", NULL};
	struct engine *e = l->e;
	const char *name = get_str(l, map, "rule", "rule", NULL, NULL);
	int append = 0, has_main = 0, errs0 = l->errors;
	yaml_node_t *ovn = map_get(l, map, "override"), *cn = map_get(l, map, "condition");
	const char *ov_keys[16];
	enum ov_op ov_ops[16];
	int nov = 0;

	if (!name) {
		if (!map_get(l, map, "rule"))
			lerr(l, map, "rule", NULL, "Item has no mapping for key 'rule'");
		return;
	}
	check_keys(l, map, known, "rule", name);
	for (int i = 0; main_keys[i]; i++)
		if (map_get(l, map, main_keys[i]))
			has_main = 1;
	if (get_bool(l, map, "append", "rule", name, &append) < 0)
		return;
	if (map_get(l, map, "append"))
		lwarn(l, map_get(l, map, "append"), "rule", name,
		      "'append' key is deprecated. Add an 'append' entry (e.g. 'condition: "
		      "append') under 'override' instead.");
	if (ovn) {
		nov = parse_override(l, ovn, "rule", name, appendable, replaceable, ov_keys, ov_ops,
		                     16);
		if (nov < 0)
			return;
		if (append) {
			lerr(l, ovn, "rule", name,
			     "Keys 'override' and 'append: true' cannot be used together.");
			return;
		}
		/* every overridden key present, every present key overridden */
		for (int i = 0; i < nov; i++)
			if (!map_get(l, map, ov_keys[i])) {
				lerr(l, ovn, "rule", name,
				     "An 'override' entry for key '%s' was found, but the key is "
				     "not defined in the rule",
				     ov_keys[i]);
				return;
			}
		for (int i = 0; replaceable[i]; i++) {
			int listed = 0;
			if (!map_get(l, map, replaceable[i]))
				continue;
			for (int k = 0; k < nov; k++)
				if (strcmp(ov_keys[k], replaceable[i]) == 0)
					listed = 1;
			if (!listed) {
				lerr(l, map_get(l, map, replaceable[i]), "rule", name,
				     "Unexpected key '%s': no corresponding entry under 'override' "
				     "is defined.",
				     replaceable[i]);
				return;
			}
		}
	}

	/* Collect values. */
	struct rl_rule nr = {0};
	yaml_node_t *on = NULL, *pn = NULL, *tn = map_get(l, map, "tags"),
	            *xn = map_get(l, map, "exceptions"), *sn = NULL;
	nr.name = name;
	nr.pos = node_pos(l, map);
	nr.enabled = 1;
	nr.warn_evttypes = 1;
	nr.desc = get_str(l, map, "desc", "rule", name, NULL);
	nr.output = get_str(l, map, "output", "rule", name, &on);
	if (on)
		nr.output_pos = node_pos(l, on);
	if (nr.output) { /* trimmed as Falco does */
		char *o = (char *)nr.output;
		size_t n = strlen(o);
		while (n && isspace((unsigned char)o[n - 1]))
			o[--n] = '\0';
		while (isspace((unsigned char)*o))
			o++;
		nr.output = o;
	}
	if (cn && scalar(cn) && *scalar(cn))
		nr.cond = ptext_from_node(l, cn);
	else if (cn)
		get_str(l, map, "condition", "rule", name, NULL);
	const char *prio = get_str(l, map, "priority", "rule", name, &pn);
	nr.priority = -1;
	if (prio) {
		nr.priority = priority_parse(prio);
		if (nr.priority < 0)
			lerr(l, pn, "rule", name, "Invalid priority '%s'", prio);
	}
	nr.source = get_str(l, map, "source", "rule", name, &sn);
	if (get_bool(l, map, "enabled", "rule", name, &nr.enabled) < 0 ||
	    get_bool(l, map, "warn_evttypes", "rule", name, &nr.warn_evttypes) < 0 ||
	    get_bool(l, map, "skip-if-unknown-filter", "rule", name, &nr.skip_unknown) < 0)
		return;
	if (tn && get_str_seq(l, tn, "tags", "rule", name, &nr.tags, 0) < 0)
		return;
	if (xn && !is_null_scalar(xn) && parse_exceptions(l, xn, name, &nr.excs) < 0)
		return;
	if (l->errors > errs0)
		return;

	long idx = FIND_RULE(e, name);
	if (append || nov > 0) {
		if (idx < 0) {
			lerr(l, map, "rule", name,
			     "Rule uses 'append' or 'override.<key>: append' but no rule by that "
			     "name already exists");
			return;
		}
		struct rl_rule *prev = e->rules.v[idx], *r = arena_alloc(l->a, sizeof(*r));
		*r = *prev;
		ptrvec_copy(l->a, &r->tags, &prev->tags);
		ptrvec_copy(l->a, &r->excs, &prev->excs);
		if (append) {
			if (!cn && !xn) {
				lerr(l, map, "rule", name,
				     "Appended rule must have exceptions or condition property");
				return;
			}
			if (nr.cond.s)
				r->cond = ptext_append(l->a, &prev->cond, &nr.cond);
			if (xn && append_exceptions(l, xn, r, &nr.excs) < 0)
				return;
		}
		for (int i = 0; i < nov; i++) {
			const char *k = ov_keys[i];
			int app = ov_ops[i] == OV_APPEND;
			if (strcmp(k, "condition") == 0) {
				r->cond = app ? ptext_append(l->a, &prev->cond, &nr.cond) : nr.cond;
			} else if (strcmp(k, "output") == 0) {
				r->output =
				    app ? arena_printf(l->a, "%s %s", prev->output, nr.output)
				        : nr.output;
				r->output_pos = nr.output_pos;
			} else if (strcmp(k, "desc") == 0) {
				r->desc = app ? arena_printf(l->a, "%s %s", prev->desc, nr.desc)
				              : nr.desc;
			} else if (strcmp(k, "tags") == 0) {
				if (!app)
					r->tags = nr.tags;
				else
					for (size_t t = 0; t < nr.tags.n; t++) {
						int dup = 0;
						for (size_t u = 0; u < r->tags.n; u++)
							if (strcmp(r->tags.v[u], nr.tags.v[t]) == 0)
								dup = 1;
						if (!dup)
							ptrvec_push(l->a, &r->tags, nr.tags.v[t]);
					}
			} else if (strcmp(k, "exceptions") == 0) {
				if (app) {
					if (append_exceptions(l, xn, r, &nr.excs) < 0)
						return;
				} else {
					r->excs = nr.excs;
				}
			} else if (strcmp(k, "priority") == 0) {
				r->priority = nr.priority;
			} else if (strcmp(k, "enabled") == 0) {
				r->enabled = nr.enabled;
			} else if (strcmp(k, "warn_evttypes") == 0) {
				r->warn_evttypes = nr.warn_evttypes;
			} else if (strcmp(k, "skip-if-unknown-filter") == 0) {
				r->skip_unknown = nr.skip_unknown;
			}
		}
		e->rules.v[idx] = r;
		return;
	}
	if (!has_main) {
		if (map_get(l, map, "enabled")) {
			if (idx < 0) {
				lerr(l, map, "rule", name,
				     "Rule has 'enabled' key but no rule by that name already "
				     "exists");
				return;
			}
			lwarn(l, map, "rule", name,
			      "The standalone 'enabled' key usage is deprecated. The correct "
			      "approach requires also a 'replace' entry under the 'override' key "
			      "(i.e. 'enabled: replace').");
			struct rl_rule *r = arena_alloc(l->a, sizeof(*r));
			*r = *(struct rl_rule *)e->rules.v[idx];
			r->enabled = nr.enabled;
			e->rules.v[idx] = r;
			return;
		}
	}
	for (int i = 0; main_keys[i]; i++)
		if (!map_get(l, map, main_keys[i])) {
			lerr(l, map, "rule", name, "Item has no mapping for key '%s'",
			     main_keys[i]);
		}
	if (l->errors > errs0)
		return;
	if (!nr.source)
		nr.source = "syscall";
	struct rl_rule *r = arena_alloc(l->a, sizeof(*r));
	*r = nr;
	if (idx >= 0) {
		struct rl_rule *prev = e->rules.v[idx];
		if (sn && strcmp(prev->source, r->source) != 0) {
			lerr(l, sn, "rule", name,
			     "Rule has been re-defined with a different source%s", "");
			return;
		}
		e->rules.v[idx] = r;
	} else {
		ptrvec_push(l->a, &e->rules, r);
	}
}

/* "x.y.z" or an integer N (= 0.N.0). */
static int parse_version(const char *s, int v[3])
{
	char *end;

	v[0] = v[1] = v[2] = 0;
	if (!strchr(s, '.')) {
		long n = strtol(s, &end, 10);
		if (*s == '\0' || *end || n < 0)
			return -1;
		v[1] = (int)n;
		return 0;
	}
	for (int i = 0; i < 3; i++) {
		long n = strtol(s, &end, 10);
		if (end == s || n < 0)
			return -1;
		v[i] = (int)n;
		s = end;
		if (i < 2) {
			if (*s != '.')
				return -1;
			s++;
		}
	}
	return *s && *s != '-' && *s != '+' ? -1 : 0;
}

static void do_engine_version(struct lctx *l, yaml_node_t *map)
{
	yaml_node_t *n = map_get(l, map, "required_engine_version");
	const char *s = scalar(n);
	int req[3], have[3];

	if (!s || parse_version(s, req) < 0) {
		lerr(l, n ? n : map, "required_engine_version", s,
		     "Unable to parse engine version '%s'. Expected \"x.y.z\"", s ? s : "");
		return;
	}
	parse_version(ENGINE_VERSION, have);
	int ok =
	    req[0] == have[0] && (have[1] > req[1] || (have[1] == req[1] && have[2] >= req[2]));
	if (!ok) {
		char msg[128];
		snprintf(msg, sizeof(msg),
		         "Rules require engine version %d.%d.%d, but engine "
		         "version is " ENGINE_VERSION,
		         req[0], req[1], req[2]);
		lerr(l, n, "required_engine_version", s, "%s", msg);
	}
}

static void do_item(struct lctx *l, yaml_node_t *map)
{
	if (map_get(l, map, "required_engine_version"))
		do_engine_version(l, map);
	else if (map_get(l, map, "required_plugin_versions")) {
		struct src_pos p = node_pos(l, map);
		diag_add(l->d, ENGINE_DIAG_NOTE, &p, "required_plugin_versions", NULL,
		         "plugin requirements accepted and not checked: kestrel provides the "
		         "container fields itself");
	} else if (map_get(l, map, "list"))
		do_list(l, map);
	else if (map_get(l, map, "macro"))
		do_macro(l, map);
	else if (map_get(l, map, "rule"))
		do_rule(l, map);
	else
		lwarn(l, map, NULL, NULL, "Unknown top level item");
}

static void load_doc(struct lctx *l, yaml_node_t *root)
{
	if (is_null_scalar(root))
		return;
	if (root->type != YAML_SEQUENCE_NODE) {
		lerr(l, root, NULL, NULL, "Rules content is not yaml array of objects");
		return;
	}
	for (yaml_node_item_t *i = root->data.sequence.items.start;
	     i < root->data.sequence.items.top; i++) {
		yaml_node_t *it = yaml_document_get_node(l->doc, *i);
		if (is_null_scalar(it))
			continue;
		if (it->type != YAML_MAPPING_NODE) {
			lerr(l, it, NULL, NULL,
			     "Unexpected element type. Each element should be a yaml associative "
			     "array.");
			continue;
		}
		do_item(l, it);
	}
}

int loader_add_text(struct engine *e, const char *file, const char *text, size_t len,
                    struct engine_diag *d)
{
	struct lctx l = {.e = e,
	                 .a = &e->arena,
	                 .file = arena_strdup(&e->arena, file),
	                 .text = text,
	                 .len = len,
	                 .d = d};
	struct ptrvec save[3];
	yaml_parser_t parser;
	int rc = 0;

	/* line table for positions */
	l.nlines = 1;
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\n')
			l.nlines++;
	l.line_off = malloc(l.nlines * sizeof(*l.line_off));
	if (!l.line_off)
		return -1;
	l.line_off[0] = 0;
	for (size_t i = 0, k = 1; i < len; i++)
		if (text[i] == '\n')
			l.line_off[k++] = i + 1;

	save[0] = e->lists;
	save[1] = e->macros;
	save[2] = e->rules;
	ptrvec_copy(&e->arena, &e->lists, &save[0]);
	ptrvec_copy(&e->arena, &e->macros, &save[1]);
	ptrvec_copy(&e->arena, &e->rules, &save[2]);

	size_t dl, dc;
	if (yaml_check_depth(text, len, YAML_MAX_DEPTH, &dl, &dc) < 0) {
		struct src_pos p = {.file = l.file, .line = (int)dl, .col = (int)dc};
		diag_add(d, ENGINE_DIAG_ERROR, &p, NULL, NULL,
			 "YAML nested deeper than %d levels: not a rules file", YAML_MAX_DEPTH);
		l.errors++;
		goto parsed;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	for (;;) {
		yaml_document_t doc;
		if (!yaml_parser_load(&parser, &doc)) {
			struct src_pos p = mark_pos(&l, parser.problem_mark);
			diag_add(d, ENGINE_DIAG_ERROR, &p, NULL, NULL, "YAML parse error: %s%s%s",
			         parser.problem ? parser.problem : "unknown error",
			         parser.context ? " " : "", parser.context ? parser.context : "");
			l.errors++;
			break;
		}
		yaml_node_t *root = yaml_document_get_root_node(&doc);
		if (!root) {
			yaml_document_delete(&doc);
			break;
		}
		l.doc = &doc;
		load_doc(&l, root);
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
parsed:
	free(l.line_off);
	if (l.errors) {
		e->lists = save[0];
		e->macros = save[1];
		e->rules = save[2];
		rc = -1;
	}
	return rc;
}
