/*
 * loader_rule.c — the loader's `- rule:` items: reads a rule and its
 * exceptions, then applies Falco's semantics for a new definition, a
 * redefinition, `append: true`, `override: {key: append|replace}` and the
 * bare `enabled:` toggle. Called by loader.c for each rule item.
 */
#include <ctype.h>
#include <string.h>

#include "engine/loader_int.h"
#include "util/yamlutil.h"

static struct rl_excval *excval(struct lctx *l, yaml_node_t *n, const char *rname)
{
	struct rl_excval *v = arena_alloc(l->a, sizeof(*v));

	if (!v) {
		ld_oom(l, n, "exception", rname);
		return NULL;
	}
	v->pos = ld_node_pos(l, n);
	if (n->type == YAML_SCALAR_NODE) {
		v->s = arena_strdup(l->a, yamlu_scalar(n));
		if (!v->s) {
			ld_oom(l, n, "exception", rname);
			return NULL;
		}
		return v;
	}
	if (n->type == YAML_SEQUENCE_NODE) {
		v->is_list = 1;
		if (ld_get_str_seq(l, n, "values", "exception", rname, &v->list, 0) < 0)
			return NULL;
		return v;
	}
	ld_err(l, n, "exception", rname, "Exception values must be strings or lists");
	return NULL;
}

/* exceptions: [{name, fields, comps, values}] */
static int parse_exceptions(struct lctx *l, yaml_node_t *seq, const char *rname, struct ptrvec *out)
{
	static const char *const known[] = {"name", "fields", "comps", "values", NULL};

	if (seq->type != YAML_SEQUENCE_NODE) {
		ld_err(l, seq, "rule", rname, "Value of 'exceptions' must be a sequence");
		return -1;
	}
	for (yaml_node_item_t *i = seq->data.sequence.items.start; i < seq->data.sequence.items.top;
	     i++) {
		yaml_node_t *m = yaml_document_get_node(l->doc, *i);
		if (m->type != YAML_MAPPING_NODE) {
			ld_err(l, m, "rule", rname, "Exceptions must be maps");
			return -1;
		}
		struct rl_exc *x = arena_alloc(l->a, sizeof(*x));
		if (!x)
			return ld_oom(l, m, "rule", rname);
		yaml_node_t *fn = yamlu_map_get(l->doc, m, "fields"), *cn = yamlu_map_get(l->doc, m, "comps"),
		            *vn = yamlu_map_get(l->doc, m, "values");
		x->pos = ld_node_pos(l, m);
		x->name = ld_get_str(l, m, "name", "exception", NULL, NULL);
		if (!x->name) {
			ld_err(l, m, "exception", NULL, "Item has no mapping for key 'name'");
			return -1;
		}
		ld_check_keys(l, m, known, "exception", x->name);
		if (fn) {
			x->fields_is_list = fn->type == YAML_SEQUENCE_NODE;
			if (ld_get_str_seq(l, fn, "fields", "exception", x->name, &x->fields, 1) <
			    0)
				return -1;
		}
		if (cn && ld_get_str_seq(l, cn, "comps", "exception", x->name, &x->comps, 1) < 0)
			return -1;
		if (vn && vn->type == YAML_SEQUENCE_NODE) {
			for (yaml_node_item_t *j = vn->data.sequence.items.start;
			     j < vn->data.sequence.items.top; j++) {
				yaml_node_t *t = yaml_document_get_node(l->doc, *j);
				if (t->type == YAML_SEQUENCE_NODE) {
					/* a tuple */
					struct ptrvec *tuple = arena_alloc(l->a, sizeof(*tuple));
					if (!tuple)
						return ld_oom(l, t, "exception", x->name);
					for (yaml_node_item_t *k = t->data.sequence.items.start;
					     k < t->data.sequence.items.top; k++) {
						struct rl_excval *ev = excval(
						    l, yaml_document_get_node(l->doc, *k), x->name);
						if (!ev)
							return -1;
						if (ptrvec_push(l->a, tuple, ev) < 0)
							return ld_oom(l, t, "exception", x->name);
					}
					struct rl_excval *tv = arena_alloc(l->a, sizeof(*tv));
					if (!tv || ptrvec_push(l->a, &x->values, tv) < 0)
						return ld_oom(l, t, "exception", x->name);
					tv->is_list = 2; /* marks a tuple */
					tv->list = *tuple;
					tv->pos = ld_node_pos(l, t);
				} else {
					struct rl_excval *ev = excval(l, t, x->name);
					if (!ev)
						return -1;
					if (ptrvec_push(l->a, &x->values, ev) < 0)
						return ld_oom(l, t, "exception", x->name);
				}
			}
		} else if (vn && !yamlu_is_null(vn)) {
			ld_err(l, vn, "exception", x->name, "Value of 'values' must be a sequence");
			return -1;
		}
		for (size_t k = 0; k < out->n; k++)
			if (strcmp(((struct rl_exc *)out->v[k])->name, x->name) == 0)
				ld_warn(l, m, "exception", x->name,
				        "Multiple definitions of exception '%s' in the same rule",
				        x->name);
		if (ptrvec_push(l->a, out, x) < 0)
			return ld_oom(l, m, "exception", x->name);
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
	if (merged.n != r->excs.n)
		return ld_oom(l, at, "rule", r->name);
	for (size_t i = 0; i < add->n; i++) {
		struct rl_exc *x = add->v[i];
		long found = -1;
		for (size_t k = 0; k < merged.n; k++)
			if (strcmp(((struct rl_exc *)merged.v[k])->name, x->name) == 0)
				found = (long)k;
		if (found < 0) {
			if (!x->fields.n) {
				ld_err(l, at, "exception", x->name,
				       "Rule exception must have fields property with a list of "
				       "fields");
				return -1;
			}
			if (ptrvec_push(l->a, &merged, x) < 0)
				return ld_oom(l, at, "exception", x->name);
			continue;
		}
		if (x->fields.n || x->comps.n) {
			ld_err(l, at, "exception", x->name,
			       "Can not append exception fields/comps to existing exception, only "
			       "values");
			return -1;
		}
		struct rl_exc *old = merged.v[found], *nx = arena_alloc(l->a, sizeof(*nx));
		if (!nx)
			return ld_oom(l, at, "exception", x->name);
		*nx = *old;
		ptrvec_copy(l->a, &nx->values, &old->values);
		if (nx->values.n != old->values.n)
			return ld_oom(l, at, "exception", x->name);
		for (size_t k = 0; k < x->values.n; k++)
			if (ptrvec_push(l->a, &nx->values, x->values.v[k]) < 0)
				return ld_oom(l, at, "exception", x->name);
		merged.v[found] = nx;
	}
	r->excs = merged;
	return 0;
}

/* ---- rules ---- */

/* Most override entries one rule item may carry. */
#define RULE_MAX_OVERRIDES 16

static const char *const rule_known_keys[] = {
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
static const char *const rule_appendable[] = {"condition", "output",     "desc",
                                              "tags",      "exceptions", NULL};
static const char *const rule_replaceable[] = {
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
static const char *const rule_main_keys[] = {"condition", "output", "desc", "priority", NULL};

/* One rule item as read from YAML, before it joins the collection. */
struct rule_item {
	yaml_node_t *map;
	const char *name;
	int append, has_main;
	yaml_node_t *cn, *xn, *sn; /* condition, exceptions, source nodes */
	const char *ov_keys[RULE_MAX_OVERRIDES];
	enum ov_op ov_ops[RULE_MAX_OVERRIDES];
	int nov;
	struct rl_rule nr; /* the values the item sets */
};

/* Every overridden key present, every present replaceable key overridden. */
static int rule_check_override(struct lctx *l, struct rule_item *it, yaml_node_t *ovn)
{
	it->nov = ld_parse_override(l, ovn, "rule", it->name, rule_appendable, rule_replaceable,
	                            it->ov_keys, it->ov_ops, RULE_MAX_OVERRIDES);
	if (it->nov < 0)
		return -1;
	if (it->append) {
		ld_err(l, ovn, "rule", it->name,
		       "Keys 'override' and 'append: true' cannot be used together.");
		return -1;
	}
	for (int i = 0; i < it->nov; i++)
		if (!yamlu_map_get(l->doc, it->map, it->ov_keys[i])) {
			ld_err(l, ovn, "rule", it->name,
			       "An 'override' entry for key '%s' was found, but the key is "
			       "not defined in the rule",
			       it->ov_keys[i]);
			return -1;
		}
	for (int i = 0; rule_replaceable[i]; i++) {
		int listed = 0;
		if (!yamlu_map_get(l->doc, it->map, rule_replaceable[i]))
			continue;
		for (int k = 0; k < it->nov; k++)
			if (strcmp(it->ov_keys[k], rule_replaceable[i]) == 0)
				listed = 1;
		if (!listed) {
			ld_err(l, yamlu_map_get(l->doc, it->map, rule_replaceable[i]), "rule", it->name,
			       "Unexpected key '%s': no corresponding entry under 'override' "
			       "is defined.",
			       rule_replaceable[i]);
			return -1;
		}
	}
	return 0;
}

/* Reads the item's name, keys, append flag and override list. */
static int rule_read_head(struct lctx *l, yaml_node_t *map, struct rule_item *it)
{
	yaml_node_t *ovn = yamlu_map_get(l->doc, map, "override");

	it->map = map;
	it->name = ld_get_str(l, map, "rule", "rule", NULL, NULL);
	it->cn = yamlu_map_get(l->doc, map, "condition");
	if (!it->name) {
		if (!yamlu_map_get(l->doc, map, "rule"))
			ld_err(l, map, "rule", NULL, "Item has no mapping for key 'rule'");
		return -1;
	}
	ld_check_keys(l, map, rule_known_keys, "rule", it->name);
	for (int i = 0; rule_main_keys[i]; i++)
		if (yamlu_map_get(l->doc, map, rule_main_keys[i]))
			it->has_main = 1;
	if (ld_get_bool(l, map, "append", "rule", it->name, &it->append) < 0)
		return -1;
	ld_warn_append_key(l, map, "rule", it->name, "condition");
	return ovn ? rule_check_override(l, it, ovn) : 0;
}

/* The output text trimmed as Falco does (in place, arena memory). */
static const char *rule_trim_output(char *o)
{
	size_t n = strlen(o);

	while (n && isspace((unsigned char)o[n - 1]))
		o[--n] = '\0';
	while (isspace((unsigned char)*o))
		o++;
	return o;
}

/* Collects the values the item sets into it->nr. */
static int rule_read_values(struct lctx *l, struct rule_item *it)
{
	struct rl_rule *nr = &it->nr;
	yaml_node_t *map = it->map, *on = NULL, *pn = NULL, *tn = yamlu_map_get(l->doc, map, "tags");
	const char *name = it->name;

	it->xn = yamlu_map_get(l->doc, map, "exceptions");
	nr->name = name;
	nr->pos = ld_node_pos(l, map);
	nr->enabled = 1;
	nr->warn_evttypes = 1;
	nr->desc = ld_get_str(l, map, "desc", "rule", name, NULL);
	nr->output = ld_get_str(l, map, "output", "rule", name, &on);
	if (on)
		nr->output_pos = ld_node_pos(l, on);
	if (nr->output)
		nr->output = rule_trim_output((char *)nr->output);
	if (it->cn && yamlu_scalar(it->cn) && *yamlu_scalar(it->cn))
		nr->cond = ld_ptext_from_node(l, it->cn);
	else if (it->cn)
		ld_get_str(l, map, "condition", "rule", name, NULL);
	const char *prio = ld_get_str(l, map, "priority", "rule", name, &pn);
	nr->priority = -1;
	if (prio) {
		nr->priority = priority_parse(prio);
		if (nr->priority < 0)
			ld_err(l, pn, "rule", name, "Invalid priority '%s'", prio);
	}
	nr->source = ld_get_str(l, map, "source", "rule", name, &it->sn);
	if (ld_get_bool(l, map, "enabled", "rule", name, &nr->enabled) < 0 ||
	    ld_get_bool(l, map, "warn_evttypes", "rule", name, &nr->warn_evttypes) < 0 ||
	    ld_get_bool(l, map, "skip-if-unknown-filter", "rule", name, &nr->skip_unknown) < 0)
		return -1;
	if (tn && ld_get_str_seq(l, tn, "tags", "rule", name, &nr->tags, 0) < 0)
		return -1;
	if (it->xn && !yamlu_is_null(it->xn) && parse_exceptions(l, it->xn, name, &nr->excs) < 0)
		return -1;
	return 0;
}

/* Adds the tags of add that r does not have yet. */
static void rule_merge_tags(struct lctx *l, struct rl_rule *r, const struct ptrvec *add)
{
	for (size_t t = 0; t < add->n; t++) {
		int dup = 0;
		for (size_t u = 0; u < r->tags.n; u++)
			if (strcmp(r->tags.v[u], add->v[t]) == 0)
				dup = 1;
		if (!dup && ptrvec_push(l->a, &r->tags, add->v[t]) < 0)
			r->tags.n = (size_t)-1; /* reported by the caller */
	}
}

/* Applies one `override: {key: append|replace}` entry to the copy r. */
static int rule_override_key(struct lctx *l, struct rule_item *it, struct rl_rule *r,
                             const struct rl_rule *prev, int i)
{
	const struct rl_rule *nr = &it->nr;
	const char *k = it->ov_keys[i];
	int app = it->ov_ops[i] == OV_APPEND;

	if (strcmp(k, "condition") == 0) {
		r->cond = app ? ld_ptext_append(l->a, &prev->cond, &nr->cond) : nr->cond;
	} else if (strcmp(k, "output") == 0) {
		r->output =
		    app ? arena_printf(l->a, "%s %s", prev->output, nr->output) : nr->output;
		r->output_pos = nr->output_pos;
	} else if (strcmp(k, "desc") == 0) {
		r->desc = app ? arena_printf(l->a, "%s %s", prev->desc, nr->desc) : nr->desc;
	} else if (strcmp(k, "tags") == 0) {
		if (!app)
			r->tags = nr->tags;
		else
			rule_merge_tags(l, r, &nr->tags);
	} else if (strcmp(k, "exceptions") == 0) {
		if (!app)
			r->excs = nr->excs;
		else if (append_exceptions(l, it->xn, r, &nr->excs) < 0)
			return -1;
	} else if (strcmp(k, "priority") == 0) {
		r->priority = nr->priority;
	} else if (strcmp(k, "enabled") == 0) {
		r->enabled = nr->enabled;
	} else if (strcmp(k, "warn_evttypes") == 0) {
		r->warn_evttypes = nr->warn_evttypes;
	} else if (strcmp(k, "skip-if-unknown-filter") == 0) {
		r->skip_unknown = nr->skip_unknown;
	}
	return 0;
}

/* `append: true` or `override:` on rule idx: a modified copy replaces it. */
static void rule_modify(struct lctx *l, struct rule_item *it, long idx)
{
	struct engine *e = l->e;

	if (idx < 0) {
		ld_err(l, it->map, "rule", it->name,
		       "Rule uses 'append' or 'override.<key>: append' but no rule by that "
		       "name already exists");
		return;
	}
	struct rl_rule *prev = e->rules.v[idx], *r = arena_alloc(l->a, sizeof(*r));
	if (!r) {
		ld_oom(l, it->map, "rule", it->name);
		return;
	}
	*r = *prev;
	ptrvec_copy(l->a, &r->tags, &prev->tags);
	ptrvec_copy(l->a, &r->excs, &prev->excs);
	if (r->tags.n != prev->tags.n || r->excs.n != prev->excs.n) {
		ld_oom(l, it->map, "rule", it->name);
		return;
	}
	if (it->append) {
		if (!it->cn && !it->xn) {
			ld_err(l, it->map, "rule", it->name,
			       "Appended rule must have exceptions or condition property");
			return;
		}
		if (it->nr.cond.s) {
			r->cond = ld_ptext_append(l->a, &prev->cond, &it->nr.cond);
			if (!r->cond.s) {
				ld_oom(l, it->map, "rule", it->name);
				return;
			}
		}
		if (it->xn && append_exceptions(l, it->xn, r, &it->nr.excs) < 0)
			return;
	}
	for (int i = 0; i < it->nov; i++)
		if (rule_override_key(l, it, r, prev, i) < 0)
			return;
	if ((prev->cond.s && !r->cond.s) || (prev->output && !r->output) ||
	    (prev->desc && !r->desc) || r->tags.n == (size_t)-1) {
		ld_oom(l, it->map, "rule", it->name);
		return;
	}
	e->rules.v[idx] = r;
}

/* A bare `enabled:` item (deprecated) toggles rule idx. */
static void rule_enable_only(struct lctx *l, struct rule_item *it, long idx)
{
	struct engine *e = l->e;

	if (idx < 0) {
		ld_err(l, it->map, "rule", it->name,
		       "Rule has 'enabled' key but no rule by that name already "
		       "exists");
		return;
	}
	ld_warn(l, it->map, "rule", it->name,
	        "The standalone 'enabled' key usage is deprecated. The correct "
	        "approach requires also a 'replace' entry under the 'override' key "
	        "(i.e. 'enabled: replace').");
	struct rl_rule *r = arena_alloc(l->a, sizeof(*r));
	if (!r) {
		ld_oom(l, it->map, "rule", it->name);
		return;
	}
	*r = *(struct rl_rule *)e->rules.v[idx];
	r->enabled = it->nr.enabled;
	e->rules.v[idx] = r;
}

/* A full definition: a new rule, or one replacing rule idx. */
static void rule_define(struct lctx *l, struct rule_item *it, long idx, int errs0)
{
	struct engine *e = l->e;

	for (int i = 0; rule_main_keys[i]; i++)
		if (!yamlu_map_get(l->doc, it->map, rule_main_keys[i]))
			ld_err(l, it->map, "rule", it->name, "Item has no mapping for key '%s'",
			       rule_main_keys[i]);
	if (l->errors > errs0)
		return;
	if (!it->nr.source)
		it->nr.source = "syscall";
	struct rl_rule *r = arena_alloc(l->a, sizeof(*r));
	if (!r) {
		ld_oom(l, it->map, "rule", it->name);
		return;
	}
	*r = it->nr;
	if (idx < 0) {
		if (ptrvec_push(l->a, &e->rules, r) < 0)
			ld_oom(l, it->map, "rule", it->name);
		return;
	}
	struct rl_rule *prev = e->rules.v[idx];
	if (it->sn && strcmp(prev->source, r->source) != 0) {
		ld_err(l, it->sn, "rule", it->name,
		       "Rule has been re-defined with a different source%s", "");
		return;
	}
	e->rules.v[idx] = r;
}

/* rule -> new definition | append/override of an earlier one | enabled */
void ld_rule(struct lctx *l, yaml_node_t *map)
{
	struct rule_item it = {0};
	int errs0 = l->errors;

	if (rule_read_head(l, map, &it) < 0 || rule_read_values(l, &it) < 0)
		return;
	if (l->errors > errs0)
		return;
	long idx = FIND_RULE(l->e, it.name);
	if (it.append || it.nov > 0)
		rule_modify(l, &it, idx);
	else if (!it.has_main && yamlu_map_get(l->doc, map, "enabled"))
		rule_enable_only(l, &it, idx);
	else
		rule_define(l, &it, idx, errs0);
}
