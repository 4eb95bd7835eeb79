/*
 * yamlutil.h — the small libyaml document helpers the rule loader and the
 * config loader both need: a node's scalar text, YAML 1.1 booleans, null
 * scalars and a mapping lookup by key.
 */
#ifndef KESTREL_YAMLUTIL_H
#define KESTREL_YAMLUTIL_H

#include <yaml.h>

/* The scalar's text, or NULL when n is NULL or not a scalar. */
const char *yamlu_scalar(const yaml_node_t *n);
/* 1 for a plain "", "~" or "null" scalar (YAML's null); else 0. */
int yamlu_is_null(const yaml_node_t *n);
/* true/yes/on → 1, false/no/off → 0 (any case); -1 otherwise or NULL. */
int yamlu_parse_bool(const char *s);
/* The value under key in mapping map, or NULL (also when map is not a
 * mapping). The first of duplicate keys wins. */
yaml_node_t *yamlu_map_get(yaml_document_t *doc, const yaml_node_t *map, const char *key);

#endif
