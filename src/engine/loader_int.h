/*
 * loader_int.h — what the loader's files share: the per-file load context,
 * the YAML accessors and error reporters of loader.c (every message names
 * file:line:column) and the rule items of loader_rule.c. Engine-internal.
 */
#ifndef KESTREL_ENGINE_LOADER_INT_H
#define KESTREL_ENGINE_LOADER_INT_H

#include <stddef.h>
#include <yaml.h>

#include "engine/engine_int.h"

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
	/* scratch: the position runs of the scalar being mapped */
	struct posrun *runs;
	size_t nruns, capruns;
};

/* Room for the position runs of a few lines of condition at first. */
#define LD_RUNS_INITIAL 64

enum ov_op { OV_NONE = 0, OV_APPEND, OV_REPLACE };

/* Reporting at a node's position; errors count in l->errors. */
struct src_pos ld_node_pos(struct lctx *l, yaml_node_t *n);
__attribute__((format(printf, 5, 6))) void ld_err(struct lctx *l, yaml_node_t *n, const char *type,
                                                  const char *name, const char *fmt, ...);
__attribute__((format(printf, 5, 6))) void ld_warn(struct lctx *l, yaml_node_t *n, const char *type,
                                                   const char *name, const char *fmt, ...);

/* Warns that the item uses the deprecated `append:` key (if it does);
 * key names the override entry to use instead. */
void ld_warn_append_key(struct lctx *l, yaml_node_t *map, const char *type, const char *name,
                        const char *key);

/* Reports an allocation failure at n as an error (the file is rejected,
 * nothing crashes); returns -1. */
int ld_oom(struct lctx *l, yaml_node_t *n, const char *type, const char *name);

/* YAML accessors beyond util/yamlutil.h: a boolean key, reported at its
 * node when it is not one. */
int ld_get_bool(struct lctx *l, yaml_node_t *map, const char *key, const char *type,
                const char *name, int *out);
const char *ld_get_str(struct lctx *l, yaml_node_t *map, const char *key, const char *type,
                       const char *name, yaml_node_t **node_out);
int ld_get_str_seq(struct lctx *l, yaml_node_t *n, const char *key, const char *type,
                   const char *name, struct ptrvec *out, int allow_scalar);
void ld_check_keys(struct lctx *l, yaml_node_t *map, const char *const *known, const char *type,
                   const char *name);

/* Condition text with source positions. */
struct ptext ld_ptext_from_node(struct lctx *l, yaml_node_t *n);
struct ptext ld_ptext_append(struct arena *a, const struct ptext *p, const struct ptext *n);

/* The `override:` map of an item: at most max keys. Returns count or -1. */
int ld_parse_override(struct lctx *l, yaml_node_t *ov, const char *type, const char *name,
                      const char *const *appendable, const char *const *replaceable,
                      const char **keys, enum ov_op *ops, int max);

/* loader_rule.c: one `- rule:` item (with its exceptions). */
void ld_rule(struct lctx *l, yaml_node_t *map);

#endif
