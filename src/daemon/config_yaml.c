/*
 * config_yaml.c — the kestrel.yaml half of config.c: reads the file (size
 * and nesting checked first), walks its mappings through the key table,
 * and loads the structured append_output and rules: blocks. Unknown keys
 * warn with file:line:column; bad values are errors.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "daemon/kconfig.h"
#include "daemon/kconfig_int.h"
#include "util/log.h"
#include "util/yamldepth.h"

/* Deepest mapping nesting the walker follows (kestrel uses two levels). */
#define CONFIG_MAX_DEPTH 8
/* A configuration file is a few KiB; anything past this is not one. */
#define CONFIG_MAX_FILE (1024 * 1024)
#define CONFIG_MAX_FILE_TEXT "1 MiB"

struct loader {
	const char *path;
	yaml_document_t *doc;
	struct kestrel_config *cfg;
	int warnings;
	char *err;
	size_t errlen;
};

static void node_where(const struct loader *ld, const yaml_node_t *node, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%zu:%zu", ld->path, node->start_mark.line + 1,
	         node->start_mark.column + 1);
}

static const char *scalar(const yaml_node_t *node)
{
	return node->type == YAML_SCALAR_NODE ? (const char *)node->data.scalar.value : NULL;
}

static int load_error(struct loader *ld, const yaml_node_t *node, const char *key, const char *what)
{
	char where[PATH_MAX + 32];
	node_where(ld, node, where, sizeof(where));
	snprintf(ld->err, ld->errlen, "%s: %s: %s", where, key, what);
	return -1;
}

/* Reads a YAML sequence of scalars into a fresh string vector. */
static int load_strlist(struct loader *ld, const yaml_node_t *node, const char *key, char ***v,
                        int *n)
{
	char **nv = NULL;
	int nn = 0;
	if (node->type == YAML_SCALAR_NODE) {
		if (!config_strv_push(&nv, &nn, scalar(node)))
			return load_error(ld, node, key, "out of memory");
	} else if (node->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = node->data.sequence.items.start;
		     it < node->data.sequence.items.top; it++) {
			yaml_node_t *item = yaml_document_get_node(ld->doc, *it);
			if (!item || item->type != YAML_SCALAR_NODE) {
				config_strv_free(&nv, &nn);
				return load_error(ld, item ? item : node, key,
				                  "expected a list of strings");
			}
			if (!config_strv_push(&nv, &nn, scalar(item))) {
				config_strv_free(&nv, &nn);
				return load_error(ld, item, key, "out of memory");
			}
		}
	} else {
		return load_error(ld, node, key, "expected a list of strings");
	}
	config_strv_free(v, n);
	*v = nv;
	*n = nn;
	return 0;
}

static void load_warn(struct loader *ld, const yaml_node_t *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void load_warn(struct loader *ld, const yaml_node_t *node, const char *fmt, ...)
{
	char where[PATH_MAX + 32];
	char msg[CONFIG_ERR_MAX];
	va_list ap;
	node_where(ld, node, where, sizeof(where));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("%s: %s", where, msg);
	ld->warnings++;
}

/* One append_output entry: {match: {rule, source, tags}, extra_output, extra_fields} */
static int load_append_entry(struct loader *ld, const yaml_node_t *node,
                             struct config_append_output *a)
{
	for (yaml_node_pair_t *pr = node->data.mapping.pairs.start;
	     pr < node->data.mapping.pairs.top; pr++) {
		yaml_node_t *kn = yaml_document_get_node(ld->doc, pr->key);
		yaml_node_t *vn = yaml_document_get_node(ld->doc, pr->value);
		const char *k = kn ? scalar(kn) : NULL;
		if (!k || !vn)
			return load_error(ld, node, "append_output", "expected a mapping");
		if (strcmp(k, "extra_output") == 0 && scalar(vn)) {
			if (config_set_str(&a->extra_output, scalar(vn)) < 0)
				return load_error(ld, vn, "append_output", "out of memory");
		} else if (strcmp(k, "extra_fields") == 0) {
			if (vn->type != YAML_SEQUENCE_NODE)
				return load_error(ld, vn, "append_output.extra_fields",
				                  "expected a list of field names");
			load_warn(ld, kn,
			          "append_output.extra_fields: not supported yet (the fields are "
			          "not added to alerts' output_fields), ignored");
			for (yaml_node_item_t *it = vn->data.sequence.items.start;
			     it < vn->data.sequence.items.top; it++) {
				yaml_node_t *f = yaml_document_get_node(ld->doc, *it);
				if (f && f->type == YAML_MAPPING_NODE)
					continue; /* named field: covered by the warning */
				if (!f || !scalar(f))
					return load_error(ld, vn, "append_output.extra_fields",
					                  "expected a list of field names");
				if (!config_strv_push(&a->extra_fields, &a->nextra_fields,
				                      scalar(f)))
					return load_error(ld, f, "append_output", "out of memory");
			}
		} else if (strcmp(k, "match") == 0 && vn->type == YAML_MAPPING_NODE) {
			for (yaml_node_pair_t *mp = vn->data.mapping.pairs.start;
			     mp < vn->data.mapping.pairs.top; mp++) {
				yaml_node_t *mk = yaml_document_get_node(ld->doc, mp->key);
				yaml_node_t *mv = yaml_document_get_node(ld->doc, mp->value);
				const char *m = mk ? scalar(mk) : NULL;
				if (!m || !mv)
					continue;
				int r = 0;
				if (strcmp(m, "rule") == 0 && scalar(mv))
					r = config_set_str(&a->match_rule, scalar(mv));
				else if (strcmp(m, "source") == 0 && scalar(mv))
					r = config_set_str(&a->match_source, scalar(mv));
				else if (strcmp(m, "tags") == 0)
					r = load_strlist(ld, mv, "append_output.match.tags",
					                 &a->match_tags, &a->nmatch_tags);
				else
					load_warn(ld, mk,
					          "unknown key 'append_output.match.%s', ignored",
					          m);
				if (r < 0)
					return -1;
			}
		} else {
			load_warn(ld, kn, "unknown key 'append_output.%s', ignored", k);
		}
	}
	return 0;
}

static int load_append_output(struct loader *ld, const yaml_node_t *node)
{
	struct kestrel_config *cfg = ld->cfg;
	if (node->type != YAML_SEQUENCE_NODE)
		return load_error(ld, node, "append_output", "expected a list of entries");
	config_append_output_free(cfg);
	cfg->suggested_output = 0;
	for (yaml_node_item_t *it = node->data.sequence.items.start;
	     it < node->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(ld->doc, *it);
		if (!e || e->type != YAML_MAPPING_NODE)
			return load_error(ld, e ? e : node, "append_output",
			                  "each entry must be a mapping");
		/* - suggested_output: true|false */
		if (e->data.mapping.pairs.top - e->data.mapping.pairs.start == 1) {
			yaml_node_t *kn =
			    yaml_document_get_node(ld->doc, e->data.mapping.pairs.start->key);
			yaml_node_t *vn =
			    yaml_document_get_node(ld->doc, e->data.mapping.pairs.start->value);
			if (kn && scalar(kn) && strcmp(scalar(kn), "suggested_output") == 0) {
				int b = vn && scalar(vn) ? config_parse_bool(scalar(vn)) : -1;
				if (b < 0)
					return load_error(ld, vn ? vn : kn,
					                  "append_output.suggested_output",
					                  "expected a boolean (true or false)");
				cfg->suggested_output = b;
				continue;
			}
		}
		struct config_append_output *na =
		    realloc(cfg->append_output, sizeof(*na) * (size_t)(cfg->nappend_output + 1));
		if (!na)
			return load_error(ld, e, "append_output", "out of memory");
		cfg->append_output = na;
		struct config_append_output *a = &na[cfg->nappend_output++];
		memset(a, 0, sizeof(*a));
		if (load_append_entry(ld, e, a) < 0)
			return -1;
	}
	return 0;
}

/* rules: [- enable|disable: {rule: NAME-or-wildcard, tag: TAG}] */
static int load_rules_select(struct loader *ld, const yaml_node_t *node)
{
	struct kestrel_config *cfg = ld->cfg;
	static const char what[] = "each entry must be 'enable:' or 'disable:' with a 'rule:' "
	                           "or a 'tag:'";
	if (node->type != YAML_SEQUENCE_NODE)
		return load_error(ld, node, "rules", "expected a list of enable/disable entries");
	config_rules_select_free(cfg);
	for (yaml_node_item_t *it = node->data.sequence.items.start;
	     it < node->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(ld->doc, *it);
		if (!e || e->type != YAML_MAPPING_NODE ||
		    e->data.mapping.pairs.top - e->data.mapping.pairs.start != 1)
			return load_error(ld, e ? e : node, "rules", what);
		yaml_node_t *kn = yaml_document_get_node(ld->doc, e->data.mapping.pairs.start->key);
		yaml_node_t *vn =
		    yaml_document_get_node(ld->doc, e->data.mapping.pairs.start->value);
		const char *k = kn ? scalar(kn) : NULL;
		if (!k || !vn || (strcmp(k, "enable") != 0 && strcmp(k, "disable") != 0) ||
		    vn->type != YAML_MAPPING_NODE)
			return load_error(ld, e, "rules", what);
		struct config_rule_select *ns =
		    realloc(cfg->rules_select, sizeof(*ns) * (size_t)(cfg->nrules_select + 1));
		if (!ns)
			return load_error(ld, e, "rules", "out of memory");
		cfg->rules_select = ns;
		struct config_rule_select *sel = &ns[cfg->nrules_select++];
		memset(sel, 0, sizeof(*sel));
		sel->enable = strcmp(k, "enable") == 0;
		for (yaml_node_pair_t *pr = vn->data.mapping.pairs.start;
		     pr < vn->data.mapping.pairs.top; pr++) {
			yaml_node_t *sk = yaml_document_get_node(ld->doc, pr->key);
			yaml_node_t *sv = yaml_document_get_node(ld->doc, pr->value);
			const char *name = sk ? scalar(sk) : NULL;
			const char *val = sv ? scalar(sv) : NULL;
			int r = 0;
			if (name && val && strcmp(name, "rule") == 0)
				r = config_set_str(&sel->rule, val);
			else if (name && val && strcmp(name, "tag") == 0)
				r = config_set_str(&sel->tag, val);
			else
				return load_error(ld, sk ? sk : vn, "rules", what);
			if (r < 0)
				return load_error(ld, sv, "rules", "out of memory");
		}
		if (!sel->rule && !sel->tag)
			return load_error(ld, vn, "rules", what);
	}
	return 0;
}

static int load_mapping(struct loader *ld, const yaml_node_t *map, const char *prefix, int depth)
{
	for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *kn = yaml_document_get_node(ld->doc, pr->key);
		yaml_node_t *vn = yaml_document_get_node(ld->doc, pr->value);
		if (!kn || !vn)
			continue;
		const char *k = scalar(kn);
		if (!k)
			return load_error(ld, kn, prefix[0] ? prefix : "(top level)",
			                  "keys must be strings");
		char name[CONFIG_KEY_MAX];
		if ((size_t)snprintf(name, sizeof(name), "%s%s%s", prefix, prefix[0] ? "." : "",
		                     k) >= sizeof(name)) {
			load_warn(ld, kn, "unknown key '%s', ignored", k);
			continue;
		}
		const struct ckey *ck = config_ckey_find(name);
		char why[CONFIG_ERR_MAX];
		if (ck) {
			char where[PATH_MAX + 32];
			node_where(ld, vn, where, sizeof(where));
			if (ck->type == K_STRLIST) {
				if (load_strlist(ld, vn, name, &ld->cfg->rules_files,
				                 &ld->cfg->nrules_files) < 0)
					return -1;
			} else if (ck->type == K_APPEND_OUTPUT && vn->type != YAML_SCALAR_NODE) {
				if (load_append_output(ld, vn) < 0)
					return -1;
			} else if (ck->type == K_RULES_SELECT) {
				if (load_rules_select(ld, vn) < 0)
					return -1;
			} else if (vn->type != YAML_SCALAR_NODE) {
				return load_error(ld, vn, name, "expected a single value");
			} else if (config_set_scalar(ld->cfg, ck, scalar(vn), where, ld->err,
			                             ld->errlen) < 0) {
				return -1;
			}
		} else if (config_retired_key(name, why, sizeof(why))) {
			load_warn(ld, kn, "%s", why);
		} else if (config_ckey_is_section(name) && vn->type == YAML_MAPPING_NODE) {
			if (depth >= CONFIG_MAX_DEPTH)
				return load_error(ld, vn, name, "nested too deeply");
			if (load_mapping(ld, vn, name, depth + 1) < 0)
				return -1;
		} else if (config_ckey_is_section(name)) {
			return load_error(ld, vn, name, "expected a mapping of settings");
		} else {
			load_warn(ld, kn, "unknown key '%s', ignored", name);
		}
	}
	return 0;
}

int config_load(const char *path, struct kestrel_config *cfg, int *nwarnings, char *err,
                size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* the whole file first, then one libyaml pass that stops at the first
	 * node nested too deep (see util/yamldepth.h) */
	char *text = malloc(CONFIG_MAX_FILE + 1);
	size_t len = text ? fread(text, 1, CONFIG_MAX_FILE + 1, f) : 0;
	size_t dl, dc;
	if (!text || ferror(f) || len > CONFIG_MAX_FILE) {
		snprintf(err, errlen, "%s: %s", path,
		         !text       ? "out of memory"
		         : ferror(f) ? strerror(errno)
		                     : "larger than " CONFIG_MAX_FILE_TEXT
		                       ": not a configuration file");
		free(text);
		fclose(f);
		return -1;
	}
	yaml_parser_t parser;
	yaml_document_t doc;
	int rc = -1;
	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, errlen, "%s: cannot initialise the YAML parser", path);
		free(text);
		fclose(f);
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	int lrc = yaml_load_depth(&parser, &doc, YAML_MAX_DEPTH, &dl, &dc);
	if (lrc < 0) {
		snprintf(err, errlen, "%s:%zu:%zu: YAML nested deeper than %d levels", path, dl, dc,
		         YAML_MAX_DEPTH);
	} else if (lrc == 0) {
		snprintf(err, errlen, "%s:%zu:%zu: %s", path, parser.problem_mark.line + 1,
		         parser.problem_mark.column + 1,
		         parser.problem ? parser.problem : "YAML syntax error");
	}
	if (lrc <= 0) {
		yaml_parser_delete(&parser);
		free(text);
		fclose(f);
		return -1;
	}
	struct loader ld = {.path = path, .doc = &doc, .cfg = cfg, .err = err, .errlen = errlen};
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (!root || (root->type == YAML_SCALAR_NODE && !*scalar(root))) {
		rc = 0; /* an empty file keeps the defaults */
	} else if (root->type != YAML_MAPPING_NODE) {
		load_error(&ld, root, "(top level)", "expected a mapping of settings");
	} else {
		rc = load_mapping(&ld, root, "", 0);
	}
	if (rc == 0 && config_set_str(&cfg->path, path) < 0) {
		snprintf(err, errlen, "%s: out of memory", path);
		rc = -1;
	}
	if (nwarnings)
		*nwarnings = ld.warnings;
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	free(text);
	fclose(f);
	return rc;
}
