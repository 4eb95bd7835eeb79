/*
 * yamlutil.c — libyaml document helpers shared by the rule loader and the
 * config loader (yamlutil.h), so both read booleans and nulls alike.
 */
#include <string.h>
#include <strings.h>

#include "util/yamlutil.h"

const char *yamlu_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

int yamlu_is_null(const yaml_node_t *n)
{
	const char *s = yamlu_scalar(n);

	if (!s || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	return *s == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0;
}

int yamlu_parse_bool(const char *s)
{
	static const char *const t[] = {"true", "yes", "on"};
	static const char *const f[] = {"false", "no", "off"};

	if (!s)
		return -1;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (strcasecmp(s, t[i]) == 0)
			return 1;
		if (strcasecmp(s, f[i]) == 0)
			return 0;
	}
	return -1;
}

yaml_node_t *yamlu_map_get(yaml_document_t *doc, const yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		const char *k = yamlu_scalar(yaml_document_get_node(doc, p->key));

		if (k && strcmp(k, key) == 0)
			return yaml_document_get_node(doc, p->value);
	}
	return NULL;
}
