/*
 * loader.c — reads Falco rule files (libyaml document API, keeping line and
 * column marks) into the engine's collection of lists, macros and rules,
 * applying Falco's redefinition, append, override and enabled-only
 * semantics. A file is atomic: when it has any error, the collection is
 * restored to what it was before the file and every error is reported.
 * Lists, macros and the file walk are here; rules are in loader_rule.c.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "engine/loader_int.h"
#include "util/yamldepth.h"
#include "util/yamlutil.h"
#include "engine/lex.h"

/* ---- helpers ---- */

static struct src_pos mark_pos(struct lctx *l, yaml_mark_t m)
{
	struct src_pos p = {l->file, (int)m.line + 1, (int)m.column + 1};
	return p;
}

struct src_pos ld_node_pos(struct lctx *l, yaml_node_t *n)
{
	return mark_pos(l, n->start_mark);
}

static void lmsg(struct lctx *l, enum engine_diag_level lvl, yaml_node_t *n, const char *type,
                 const char *name, const char *fmt, va_list ap)
{
	struct src_pos p = ld_node_pos(l, n);
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	diag_add(l->d, lvl, &p, type, name, "%s", msg);
	if (lvl == ENGINE_DIAG_ERROR)
		l->errors++;
}

__attribute__((format(printf, 5, 6))) void ld_err(struct lctx *l, yaml_node_t *n, const char *type,
                                                  const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lmsg(l, ENGINE_DIAG_ERROR, n, type, name, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 5, 6))) void ld_warn(struct lctx *l, yaml_node_t *n, const char *type,
                                                   const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lmsg(l, ENGINE_DIAG_WARNING, n, type, name, fmt, ap);
	va_end(ap);
}

int ld_get_bool(struct lctx *l, yaml_node_t *map, const char *key, const char *type,
                const char *name, int *out)
{
	yaml_node_t *n = yamlu_map_get(l->doc, map, key);
	int b;

	if (!n)
		return 0;
	if ((b = yamlu_parse_bool(yamlu_scalar(n))) < 0) {
		ld_err(l, n, type, name, "'%s' must be a boolean (true or false)", key);
		return -1;
	}
	*out = b;
	return 1;
}

/* A required or optional non-empty scalar. */
const char *ld_get_str(struct lctx *l, yaml_node_t *map, const char *key, const char *type,
                       const char *name, yaml_node_t **node_out)
{
	yaml_node_t *n = yamlu_map_get(l->doc, map, key);
	const char *s = yamlu_scalar(n);

	if (node_out)
		*node_out = n;
	if (!n)
		return NULL;
	if (!s) {
		ld_err(l, n, type, name, "Value of '%s' must be a string", key);
		return NULL;
	}
	if (*s == '\0' && strcmp(key, "source") != 0) {
		ld_err(l, n, type, name, "Value of '%s' must be non-empty", key);
		return NULL;
	}
	const char *c = arena_strdup(l->a, s);
	if (!c)
		ld_oom(l, n, type, name);
	return c;
}

int ld_oom(struct lctx *l, yaml_node_t *n, const char *type, const char *name)
{
	ld_err(l, n, type, name, "out of memory loading the rules");
	return -1;
}

/* A copy of scalar n pushed to out; -1 (reported) when out of memory. */
static int push_str(struct lctx *l, yaml_node_t *n, struct ptrvec *out, const char *type,
                    const char *name)
{
	char *c = arena_strdup(l->a, yamlu_scalar(n));

	if (!c || ptrvec_push(l->a, out, c) < 0)
		return ld_oom(l, n, type, name);
	return 0;
}

/* Sequence of scalars (or one scalar when allow_scalar). */
int ld_get_str_seq(struct lctx *l, yaml_node_t *n, const char *key, const char *type,
                   const char *name, struct ptrvec *out, int allow_scalar)
{
	if (n->type == YAML_SCALAR_NODE && allow_scalar)
		return push_str(l, n, out, type, name);
	if (n->type != YAML_SEQUENCE_NODE) {
		ld_err(l, n, type, name, "Value of '%s' must be a sequence", key);
		return -1;
	}
	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
	     i++) {
		yaml_node_t *it = yaml_document_get_node(l->doc, *i);
		if (!yamlu_scalar(it)) {
			ld_err(l, it, type, name, "Items of '%s' must be strings", key);
			return -1;
		}
		if (push_str(l, it, out, type, name) < 0)
			return -1;
	}
	return 0;
}

void ld_check_keys(struct lctx *l, yaml_node_t *map, const char *const *known, const char *type,
                   const char *name)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *kn = yaml_document_get_node(l->doc, p->key);
		const char *k = yamlu_scalar(kn);
		int ok = 0;
		for (int i = 0; k && known[i]; i++)
			if (strcmp(k, known[i]) == 0)
				ok = 1;
		if (!ok)
			ld_warn(l, kn, type, name, "Unknown key '%s'. The key will be ignored.",
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

/* Byte off of the text being mapped sits at pos: a new run in l->runs
 * unless it continues the last one. -1 out of memory. */
static int runs_put(struct lctx *l, size_t off, struct src_pos pos)
{
	if (l->nruns) {
		const struct posrun *r = &l->runs[l->nruns - 1];
		if (r->pos.file == pos.file && r->pos.line == pos.line &&
		    (size_t)pos.col == (size_t)r->pos.col + (off - r->off))
			return 0;
	}
	if (l->nruns == l->capruns) {
		size_t cap = l->capruns ? 2 * l->capruns : LD_RUNS_INITIAL;
		struct posrun *v = realloc(l->runs, cap * sizeof(*v));
		if (!v)
			return -1;
		l->runs = v;
		l->capruns = cap;
	}
	l->runs[l->nruns++] = (struct posrun){off, pos};
	return 0;
}

/* Maps each byte of a scalar's value to its line:column in the file by
 * walking the raw text alongside the value (folding and indentation only
 * drop or turn characters into spaces). The runs are collected in l->runs
 * (scratch reused from value to value) and copied to the arena at their
 * final size. */
struct ptext ld_ptext_from_node(struct lctx *l, yaml_node_t *n)
{
	struct ptext t = {0};
	const char *v = yamlu_scalar(n);
	size_t vlen = n->data.scalar.length;
	size_t r = raw_offset(l, n->start_mark), end = raw_offset(l, n->end_mark);
	int line = (int)n->start_mark.line + 1, col = (int)n->start_mark.column + 1;
	yaml_scalar_style_t st = n->data.scalar.style;
	int oom = 0;

	t.s = arena_strndup(l->a, v, vlen);
	t.pm.n = vlen;
	if (!t.s)
		return t;
	l->nruns = 0;
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
			oom |= runs_put(l, i, (struct src_pos){l->file, line, col});
			continue;
		}
		oom |= runs_put(l, i, (struct src_pos){l->file, line, col});
		ADV();
	}
#undef ADV
	oom |= runs_put(l, vlen, (struct src_pos){l->file, line, col});
	/* out of memory: no positions, as when the map cannot be allocated */
	if (!oom && (t.pm.runs = arena_alloc_raw(l->a, l->nruns * sizeof(*t.pm.runs)))) {
		memcpy(t.pm.runs, l->runs, l->nruns * sizeof(*t.pm.runs));
		t.pm.nruns = l->nruns;
	}
	return t;
}

/* prev + " " + next, positions kept: the space sits where prev ends, which
 * prev's last run already says. */
struct ptext ld_ptext_append(struct arena *a, const struct ptext *p, const struct ptext *n)
{
	struct ptext t = {0};
	size_t len = p->pm.n + 1 + n->pm.n;

	t.s = arena_alloc(a, len + 1);
	if (!t.s)
		return t;
	memcpy(t.s, p->s, p->pm.n);
	t.s[p->pm.n] = ' ';
	memcpy(t.s + p->pm.n + 1, n->s, n->pm.n);
	t.s[len] = '\0';
	t.pm.n = len;
	if (!p->pm.nruns || !n->pm.nruns)
		return t; /* a part without positions (out of memory): none */
	t.pm.runs = arena_alloc_raw(a, (p->pm.nruns + n->pm.nruns) * sizeof(*t.pm.runs));
	if (!t.pm.runs) {
		t.s = NULL;
		return t;
	}
	memcpy(t.pm.runs, p->pm.runs, p->pm.nruns * sizeof(*t.pm.runs));
	for (size_t i = 0; i < n->pm.nruns; i++) {
		t.pm.runs[p->pm.nruns + i] = n->pm.runs[i];
		t.pm.runs[p->pm.nruns + i].off += p->pm.n + 1;
	}
	t.pm.nruns = p->pm.nruns + n->pm.nruns;
	return t;
}

/* override: map of key → append|replace. Returns -1 on error. */
int ld_parse_override(struct lctx *l, yaml_node_t *ov, const char *type, const char *name,
                      const char *const *appendable, const char *const *replaceable,
                      const char **keys, enum ov_op *ops, int max)
{
	int n = 0;

	if (ov->type != YAML_MAPPING_NODE) {
		ld_err(l, ov, type, name, "'override' must be a map of key: append|replace");
		return -1;
	}
	for (yaml_node_pair_t *p = ov->data.mapping.pairs.start; p < ov->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *kn = yaml_document_get_node(l->doc, p->key);
		yaml_node_t *vn = yaml_document_get_node(l->doc, p->value);
		const char *k = yamlu_scalar(kn), *v = yamlu_scalar(vn);
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
			ld_err(l, vn, type, name, "%s", msg);
			return -1;
		}
		for (int i = 0; allowed[i]; i++)
			if (strcmp(allowed[i], k) == 0)
				ok = 1;
		if (!ok) {
			if (op == OV_APPEND)
				ld_err(l, kn, type, name,
				       "Key '%s' cannot be appended to, use 'replace' instead", k);
			else
				ld_err(l, kn, type, name, "Key '%s' cannot be replaced", k);
			return -1;
		}
		keys[n] = k;
		ops[n++] = op;
	}
	return n;
}

/* ---- items ---- */

void ld_warn_append_key(struct lctx *l, yaml_node_t *map, const char *type, const char *name,
                        const char *key)
{
	yaml_node_t *an = yamlu_map_get(l->doc, map, "append");

	if (an)
		ld_warn(l, an, type, name,
		        "'append' key is deprecated. Add an 'append' entry (e.g. '%s: append') "
		        "under 'override' instead.",
		        key);
}

/* `append: true` (deprecated) or `override: {key: append|replace}` of a
 * list or macro, whose one overridable key is app[0]: *append is 1 when
 * the item appends. Returns -1 on error. */
static int item_append_mode(struct lctx *l, yaml_node_t *map, const char *type, const char *name,
                            const char *const *app, int *append)
{
	yaml_node_t *ovn = yamlu_map_get(l->doc, map, "override");
	const char *keys[4];
	enum ov_op ops[4];

	if (ld_get_bool(l, map, "append", type, name, append) < 0)
		return -1;
	ld_warn_append_key(l, map, type, name, app[0]);
	if (!ovn)
		return 0;
	int n = ld_parse_override(l, ovn, type, name, app, app, keys, ops, 4);
	if (n < 0)
		return -1;
	if (*append) {
		ld_err(l, ovn, type, name,
		       "Keys 'override' and 'append: true' cannot be used together.");
		return -1;
	}
	*append = n > 0 && ops[0] == OV_APPEND;
	return 0;
}

static void do_list(struct lctx *l, yaml_node_t *map)
{
	static const char *const known[] = {"list", "items", "append", "override", NULL};
	static const char *const app[] = {"items", NULL};
	struct engine *e = l->e;
	const char *name = ld_get_str(l, map, "list", "list", NULL, NULL);
	yaml_node_t *items = yamlu_map_get(l->doc, map, "items");
	int append = 0;
	struct rl_list *li;

	if (!name) {
		if (yamlu_map_get(l->doc, map, "list") == NULL || !l->errors)
			ld_err(l, map, "list", NULL, "Item has no mapping for key 'list'");
		return;
	}
	ld_check_keys(l, map, known, "list", name);
	for (const char *c = name; *c; c++)
		if (strchr("()\"'=,", *c) || isspace((unsigned char)*c)) {
			ld_warn(l, map, "list", name, "List has an invalid name");
			break;
		}
	if (!items) {
		ld_err(l, map, "list", name, "Item has no mapping for key 'items'");
		return;
	}
	if (item_append_mode(l, map, "list", name, app, &append) < 0)
		return;
	li = arena_alloc(l->a, sizeof(*li));
	if (!li) {
		ld_oom(l, map, "list", name);
		return;
	}
	li->name = name;
	li->pos = ld_node_pos(l, map);
	if (items->type == YAML_SEQUENCE_NODE || yamlu_is_null(items)) {
		if (items->type == YAML_SEQUENCE_NODE &&
		    ld_get_str_seq(l, items, "items", "list", name, &li->items, 0) < 0)
			return;
	} else {
		ld_err(l, items, "list", name, "Value of 'items' must be a sequence");
		return;
	}
	long idx = FIND_LIST(e, name);
	if (append) {
		if (idx < 0) {
			ld_err(l, map, "list", name,
			       "List uses 'append' or 'override.items: append' but no list by that "
			       "name already exists");
			return;
		}
		struct rl_list *prev = e->lists.v[idx], *nl = arena_alloc(l->a, sizeof(*nl));
		if (!nl) {
			ld_oom(l, map, "list", name);
			return;
		}
		*nl = *prev;
		ptrvec_copy(l->a, &nl->items, &prev->items);
		if (nl->items.n != prev->items.n) {
			ld_oom(l, map, "list", name);
			return;
		}
		for (size_t i = 0; i < li->items.n; i++)
			if (ptrvec_push(l->a, &nl->items, li->items.v[i]) < 0) {
				ld_oom(l, map, "list", name);
				return;
			}
		e->lists.v[idx] = nl;
		return;
	}
	if (idx >= 0)
		e->lists.v[idx] = li;
	else if (ptrvec_push(l->a, &e->lists, li) < 0)
		ld_oom(l, map, "list", name);
}

static void do_macro(struct lctx *l, yaml_node_t *map)
{
	static const char *const known[] = {"macro", "condition", "append", "override", NULL};
	static const char *const app[] = {"condition", NULL};
	struct engine *e = l->e;
	const char *name = ld_get_str(l, map, "macro", "macro", NULL, NULL);
	yaml_node_t *cn;
	int append = 0;

	if (!name) {
		if (!yamlu_map_get(l->doc, map, "macro"))
			ld_err(l, map, "macro", NULL, "Item has no mapping for key 'macro'");
		return;
	}
	ld_check_keys(l, map, known, "macro", name);
	if (!isalpha((unsigned char)name[0]))
		ld_warn(l, map, "macro", name, "Macro has an invalid name");
	for (const char *c = name; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_') {
			ld_warn(l, map, "macro", name, "Macro has an invalid name");
			break;
		}
	if (!ld_get_str(l, map, "condition", "macro", name, &cn)) {
		if (!cn)
			ld_err(l, map, "macro", name, "Item has no mapping for key 'condition'");
		return;
	}
	if (item_append_mode(l, map, "macro", name, app, &append) < 0)
		return;
	struct ptext cond = ld_ptext_from_node(l, cn);
	long idx = FIND_MACRO(e, name);
	if (append) {
		if (idx < 0) {
			ld_err(
			    l, map, "macro", name,
			    "Macro uses 'append' or 'override.condition: append' but no macro by "
			    "that name already exists");
			return;
		}
		struct rl_macro *prev = e->macros.v[idx], *nm = arena_alloc(l->a, sizeof(*nm));
		if (!nm) {
			ld_oom(l, map, "macro", name);
			return;
		}
		*nm = *prev;
		nm->cond = ld_ptext_append(l->a, &prev->cond, &cond);
		if (!nm->cond.s) {
			ld_oom(l, map, "macro", name);
			return;
		}
		e->macros.v[idx] = nm;
		return;
	}
	struct rl_macro *m = arena_alloc(l->a, sizeof(*m));
	if (!m || !cond.s) {
		ld_oom(l, map, "macro", name);
		return;
	}
	m->name = name;
	m->cond = cond;
	m->pos = ld_node_pos(l, map);
	if (idx >= 0)
		e->macros.v[idx] = m;
	else if (ptrvec_push(l->a, &e->macros, m) < 0)
		ld_oom(l, map, "macro", name);
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
	yaml_node_t *n = yamlu_map_get(l->doc, map, "required_engine_version");
	const char *s = yamlu_scalar(n);
	int req[3], have[3];

	if (!s || parse_version(s, req) < 0) {
		ld_err(l, n ? n : map, "required_engine_version", s,
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
		ld_err(l, n, "required_engine_version", s, "%s", msg);
	}
}

/* One plugin requirement: a map with a name and an x.y.z version. */
static int plugin_req_ok(struct lctx *l, yaml_node_t *it)
{
	int v[3];

	if (!it || it->type != YAML_MAPPING_NODE)
		return 0;
	const char *name = yamlu_scalar(yamlu_map_get(l->doc, it, "name"));
	const char *ver = yamlu_scalar(yamlu_map_get(l->doc, it, "version"));
	return name && *name && ver && parse_version(ver, v) == 0;
}

/* required_plugin_versions: validated as Falco does (a list of name and
 * version maps), then accepted: kestrel provides the plugins' fields. */
static void do_plugin_versions(struct lctx *l, yaml_node_t *map)
{
	yaml_node_t *n = yamlu_map_get(l->doc, map, "required_plugin_versions");
	struct src_pos p = ld_node_pos(l, map);

	if (n->type != YAML_SEQUENCE_NODE) {
		ld_err(l, n, "required_plugin_versions", NULL,
		       "Value of required_plugin_versions must be a sequence");
		return;
	}
	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
	     i++) {
		yaml_node_t *it = yaml_document_get_node(l->doc, *i);
		if (!plugin_req_ok(l, it)) {
			ld_err(l, it ? it : n, "required_plugin_versions", NULL,
			       "Each plugin requirement needs a name and a version x.y.z");
			return;
		}
	}
	diag_add(l->d, ENGINE_DIAG_NOTE, &p, "required_plugin_versions", NULL,
	         "plugin requirements accepted and not checked: kestrel provides the "
	         "container fields itself");
}

static void do_item(struct lctx *l, yaml_node_t *map)
{
	if (yamlu_map_get(l->doc, map, "required_engine_version"))
		do_engine_version(l, map);
	else if (yamlu_map_get(l->doc, map, "required_plugin_versions"))
		do_plugin_versions(l, map);
	else if (yamlu_map_get(l->doc, map, "list"))
		do_list(l, map);
	else if (yamlu_map_get(l->doc, map, "macro"))
		do_macro(l, map);
	else if (yamlu_map_get(l->doc, map, "rule"))
		ld_rule(l, map);
	else
		ld_warn(l, map, NULL, NULL, "Unknown top level item");
}

/* One item of a rules document's top-level sequence. */
static void load_item(struct lctx *l, yaml_node_t *it)
{
	if (yamlu_is_null(it))
		return;
	if (it->type != YAML_MAPPING_NODE) {
		ld_err(l, it, NULL, NULL,
		       "Unexpected element type. Each element should be a yaml associative "
		       "array.");
		return;
	}
	do_item(l, it);
}

static void load_doc(struct lctx *l, yaml_node_t *root)
{
	if (yamlu_is_null(root))
		return;
	if (root->type != YAML_SEQUENCE_NODE) {
		ld_err(l, root, NULL, NULL, "Rules content is not yaml array of objects");
		return;
	}
	for (yaml_node_item_t *i = root->data.sequence.items.start;
	     i < root->data.sequence.items.top; i++)
		load_item(l, yaml_document_get_node(l->doc, *i));
}

/* yaml_load_items() callback: an item, or a root that is no sequence. */
static void load_piece(void *arg, yaml_document_t *doc, yaml_node_t *n, int is_item)
{
	struct lctx *l = arg;

	l->doc = doc;
	if (is_item)
		load_item(l, n);
	else
		load_doc(l, n);
	l->doc = NULL;
}

/* The YAML error or excess depth that ends the read of a stream. */
static void load_yaml_error(struct lctx *l, yaml_parser_t *parser, int lrc, size_t dl, size_t dc)
{
	if (lrc < 0) {
		struct src_pos p = {.file = l->file, .line = (int)dl, .col = (int)dc};
		diag_add(l->d, ENGINE_DIAG_ERROR, &p, NULL, NULL,
		         "YAML nested deeper than %d levels: not a rules file", YAML_MAX_DEPTH);
	} else {
		struct src_pos p = mark_pos(l, parser->problem_mark);
		diag_add(l->d, ENGINE_DIAG_ERROR, &p, NULL, NULL, "YAML parse error: %s%s%s",
		         parser->problem ? parser->problem : "unknown error",
		         parser->context ? " " : "", parser->context ? parser->context : "");
	}
	l->errors++;
}

/*
 * Every document of the text into the collection. Item by item (memory for
 * one item of YAML at a time) unless whole: then each document is built
 * whole first. A document found broken after some of its items were read
 * ends the file with its diagnostics dropped, as if none had been read:
 * the file is rejected anyway, with the one YAML error a whole read
 * reports. Returns -2 when a document needs reading whole (an alias
 * outside its item), after which the caller starts over.
 */
static int load_text(struct lctx *l, int whole)
{
	yaml_parser_t parser;
	size_t dl = 0, dc = 0;
	int rc = 0;

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)l->text, l->len);
	for (;;) {
		struct diag_mark m;
		yaml_document_t doc;
		int lrc;

		diag_mark(l->d, &m);
		if (!whole) {
			lrc = yaml_load_items(&parser, YAML_MAX_DEPTH, load_piece, l, &dl, &dc);
			if (lrc == 2)
				break;
			if (lrc != 1)
				diag_rollback(l->d, &m);
			if (lrc == -2) {
				rc = -2;
				break;
			}
		} else {
			lrc = yaml_load_depth(&parser, &doc, YAML_MAX_DEPTH, &dl, &dc);
		}
		if (lrc == 0 || lrc == -1) {
			load_yaml_error(l, &parser, lrc, dl, dc);
			break;
		}
		if (!whole)
			continue;
		yaml_node_t *root = yaml_document_get_root_node(&doc);
		if (!root) {
			yaml_document_delete(&doc);
			break;
		}
		l->doc = &doc;
		load_doc(l, root);
		l->doc = NULL;
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	return rc;
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
	struct diag_mark m;
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
	diag_mark(d, &m);

	if (load_text(&l, 0) == -2) {
		/* start over, each document whole: what was read goes */
		diag_rollback(d, &m);
		l.errors = 0;
		ptrvec_copy(&e->arena, &e->lists, &save[0]);
		ptrvec_copy(&e->arena, &e->macros, &save[1]);
		ptrvec_copy(&e->arena, &e->rules, &save[2]);
		nameidx_reset(&e->idx_lists);
		nameidx_reset(&e->idx_macros);
		nameidx_reset(&e->idx_rules);
		load_text(&l, 1);
	}
	free(l.line_off);
	free(l.runs);
	if (l.errors) {
		e->lists = save[0];
		e->macros = save[1];
		e->rules = save[2];
		nameidx_reset(&e->idx_lists);
		nameidx_reset(&e->idx_macros);
		nameidx_reset(&e->idx_rules);
		rc = -1;
	}
	return rc;
}
