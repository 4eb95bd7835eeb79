/*
 * yamldepth.c — a libyaml document built from parser events in one pass,
 * refusing nesting deeper than a limit at the first node past it (see
 * yamldepth.h). It replaces a counting pass followed by yaml_parser_load(),
 * which tokenised every rules and configuration file twice; its nodes,
 * marks and error reports are those of yaml_parser_load().
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util/yamldepth.h"

/* An anchor of the current document: its name, node and where it was set. */
struct yd_anchor {
	char *name;
	int node;
	yaml_mark_t mark;
};

struct yd_builder {
	yaml_parser_t *p;
	yaml_document_t *doc;
	int *stack; /* open sequence/mapping node ids, innermost last */
	int *key;   /* per open mapping: its key waiting for a value, or 0 */
	int depth, max;
	struct yd_anchor *anchors;
	size_t nanchors, capanchors;
};

static int yd_fail(struct yd_builder *b, yaml_error_type_t e, const char *problem, yaml_mark_t m)
{
	b->p->error = e;
	b->p->problem = problem;
	b->p->problem_mark = m;
	return 0;
}

/* Hangs node id under the innermost open collection (or leaves it as root). */
static int yd_attach(struct yd_builder *b, int id)
{
	if (b->depth == 0)
		return 1;
	int parent = b->stack[b->depth - 1];
	yaml_node_t *n = yaml_document_get_node(b->doc, parent);
	if (n->type == YAML_SEQUENCE_NODE)
		return yaml_document_append_sequence_item(b->doc, parent, id);
	if (!b->key[b->depth - 1]) {
		b->key[b->depth - 1] = id;
		return 1;
	}
	int k = b->key[b->depth - 1];
	b->key[b->depth - 1] = 0;
	return yaml_document_append_mapping_pair(b->doc, parent, k, id);
}

/* Records anchor for node id; a second definition of a name in one
 * document is the composer error yaml_parser_load() reports. */
static int yd_remember(struct yd_builder *b, const yaml_char_t *anchor, int id, yaml_mark_t m)
{
	if (!anchor)
		return 1;
	for (size_t i = 0; i < b->nanchors; i++)
		if (strcmp(b->anchors[i].name, (const char *)anchor) == 0) {
			b->p->context = "found duplicate anchor; first occurrence";
			b->p->context_mark = b->anchors[i].mark;
			return yd_fail(b, YAML_COMPOSER_ERROR, "second occurrence", m);
		}
	if (b->nanchors == b->capanchors) {
		size_t cap = b->capanchors ? b->capanchors * 2 : 8;
		struct yd_anchor *a = realloc(b->anchors, cap * sizeof(*a));
		if (!a)
			return yd_fail(b, YAML_MEMORY_ERROR, "out of memory", m);
		b->anchors = a;
		b->capanchors = cap;
	}
	char *name = strdup((const char *)anchor);
	if (!name)
		return yd_fail(b, YAML_MEMORY_ERROR, "out of memory", m);
	b->anchors[b->nanchors++] = (struct yd_anchor){name, id, m};
	return 1;
}

static int yd_lookup(const struct yd_builder *b, const yaml_char_t *anchor)
{
	for (size_t i = 0; i < b->nanchors; i++)
		if (strcmp(b->anchors[i].name, (const char *)anchor) == 0)
			return b->anchors[i].node;
	return 0;
}

/* "!" and no tag both mean the default tag, as in yaml_parser_load(). */
static const yaml_char_t *yd_tag(const yaml_char_t *tag)
{
	return tag && strcmp((const char *)tag, "!") != 0 ? tag : NULL;
}

/*
 * A scalar node that takes over the event's value and tag, as libyaml's own
 * loader does (yaml_document_add_scalar() would copy the value and check
 * its UTF-8 again: a fifth of the document's cost). The node stack grows
 * with realloc(): libyaml allocates and frees document memory with the C
 * library's malloc() and free(). Returns the node id, 0 out of memory.
 */
static int yd_add_scalar(yaml_document_t *doc, yaml_event_t *ev)
{
	yaml_char_t *tag = ev->data.scalar.tag;
	if (!yd_tag(tag))
		tag = (yaml_char_t *)strdup(YAML_DEFAULT_SCALAR_TAG);
	if (!tag)
		return 0;
	if (doc->nodes.top == doc->nodes.end) {
		size_t cap = (size_t)(doc->nodes.end - doc->nodes.start);
		yaml_node_t *n = realloc(doc->nodes.start, (cap ? 2 * cap : 16) * sizeof(*n));
		if (!n) {
			if (tag != ev->data.scalar.tag)
				free(tag);
			return 0;
		}
		doc->nodes.top = n + cap;
		doc->nodes.end = n + (cap ? 2 * cap : 16);
		doc->nodes.start = n;
	}
	yaml_node_t *node = doc->nodes.top++;
	memset(node, 0, sizeof(*node));
	node->type = YAML_SCALAR_NODE;
	node->tag = tag;
	node->data.scalar.value = ev->data.scalar.value;
	node->data.scalar.length = ev->data.scalar.length;
	node->data.scalar.style = ev->data.scalar.style;
	if (tag == ev->data.scalar.tag)
		ev->data.scalar.tag = NULL;
	ev->data.scalar.value = NULL; /* the node's now: yaml_event_delete() skips it */
	return (int)(doc->nodes.top - doc->nodes.start);
}

/* A scalar, sequence or mapping node: 1 added, 0 error, -1 too deep. */
static int yd_add_node(struct yd_builder *b, yaml_event_t *ev)
{
	const yaml_char_t *anchor;
	int id;
	if (ev->type == YAML_SCALAR_EVENT) {
		anchor = ev->data.scalar.anchor;
		id = yd_add_scalar(b->doc, ev);
	} else if (b->depth == b->max) {
		return -1;
	} else if (ev->type == YAML_SEQUENCE_START_EVENT) {
		id = yaml_document_add_sequence(b->doc, yd_tag(ev->data.sequence_start.tag),
		                                ev->data.sequence_start.style);
		anchor = ev->data.sequence_start.anchor;
	} else {
		id = yaml_document_add_mapping(b->doc, yd_tag(ev->data.mapping_start.tag),
		                               ev->data.mapping_start.style);
		anchor = ev->data.mapping_start.anchor;
	}
	if (!id)
		return yd_fail(b, YAML_MEMORY_ERROR, "out of memory", ev->start_mark);
	/* yaml_document_add_*() leave the marks zero: diagnostics need them */
	yaml_node_t *n = yaml_document_get_node(b->doc, id);
	n->start_mark = ev->start_mark;
	n->end_mark = ev->end_mark;
	if (!yd_remember(b, anchor, id, ev->start_mark))
		return 0;
	if (!yd_attach(b, id))
		return yd_fail(b, YAML_MEMORY_ERROR, "out of memory", ev->start_mark);
	if (ev->type != YAML_SCALAR_EVENT) {
		b->key[b->depth] = 0;
		b->stack[b->depth++] = id;
	}
	return 1;
}

/* One event into the document: 1 go on, 2 at the document's end, 0 error, -1 too deep. */
static int yd_step(struct yd_builder *b, yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		return yd_add_node(b, ev);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		yaml_document_get_node(b->doc, b->stack[b->depth - 1])->end_mark = ev->end_mark;
		b->depth--;
		return 1;
	case YAML_ALIAS_EVENT: {
		int id = yd_lookup(b, ev->data.alias.anchor);
		if (!id)
			return yd_fail(b, YAML_COMPOSER_ERROR, "found undefined alias",
			               ev->start_mark);
		if (!yd_attach(b, id))
			return yd_fail(b, YAML_MEMORY_ERROR, "out of memory", ev->start_mark);
		return 1;
	}
	case YAML_DOCUMENT_END_EVENT:
		b->doc->end_mark = ev->end_mark;
		return 2;
	default:
		return 1;
	}
}

/* Up to the next DOCUMENT-START: 1 doc started, 2 stream ended (doc empty), 0 error. */
static int yd_start(yaml_parser_t *parser, yaml_document_t *doc)
{
	yaml_event_t ev;
	for (;;) {
		if (!yaml_parser_parse(parser, &ev))
			return 0;
		yaml_event_type_t t = ev.type;
		yaml_mark_t m = ev.start_mark;
		int implicit = t == YAML_DOCUMENT_START_EVENT && ev.data.document_start.implicit;
		yaml_event_delete(&ev);
		if (t == YAML_STREAM_END_EVENT || t == YAML_NO_EVENT)
			return yaml_document_initialize(doc, NULL, NULL, NULL, 1, 1) ? 2 : 0;
		if (t == YAML_DOCUMENT_START_EVENT) {
			if (!yaml_document_initialize(doc, NULL, NULL, NULL, implicit, 1))
				return 0;
			doc->start_mark = m;
			return 1;
		}
	}
}

int yaml_load_depth(yaml_parser_t *parser, yaml_document_t *doc, int max, size_t *line, size_t *col)
{
	struct yd_builder b = {.p = parser, .doc = doc, .max = max};
	yaml_event_t ev;
	int rc;

	memset(doc, 0, sizeof(*doc));
	rc = yd_start(parser, doc);
	if (rc != 1)
		return rc == 2;
	b.stack = malloc((size_t)max * sizeof(*b.stack));
	b.key = malloc((size_t)max * sizeof(*b.key));
	if (!b.stack || !b.key) {
		rc = yd_fail(&b, YAML_MEMORY_ERROR, "out of memory", doc->start_mark);
		goto out;
	}
	do {
		if (!yaml_parser_parse(parser, &ev)) {
			rc = 0;
			break;
		}
		rc = yd_step(&b, &ev);
		if (rc < 0) {
			*line = ev.start_mark.line + 1;
			*col = ev.start_mark.column + 1;
		}
		yaml_event_delete(&ev);
	} while (rc == 1);
	rc = rc == 2 ? 1 : rc;
out:
	for (size_t i = 0; i < b.nanchors; i++)
		free(b.anchors[i].name);
	free(b.anchors);
	free(b.stack);
	free(b.key);
	if (rc != 1)
		yaml_document_delete(doc);
	return rc;
}
