/*
 * yamldepth.c — a libyaml document built from parser events in one pass,
 * refusing nesting deeper than a limit at the first node past it (see
 * yamldepth.h). It replaces a counting pass followed by yaml_parser_load(),
 * which tokenised every rules and configuration file twice; its nodes,
 * marks and error reports are those of yaml_parser_load(). A rules file
 * can also be read one item of its top-level sequence at a time
 * (yaml_load_items), so that its YAML never sits in memory whole.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util/yamldepth.h"

/* An anchor of the current document: its name, node and where it was set,
 * and the item of the root sequence it is in (yaml_load_items; -1 for the
 * root itself and for every anchor of a document built whole). */
struct yd_anchor {
	char *name;
	int node;
	yaml_mark_t mark;
	long item;
};

struct yd_builder {
	yaml_parser_t *p;
	yaml_document_t *doc;
	int *stack; /* open sequence/mapping node ids, innermost last */
	int *key;   /* per open mapping: its key waiting for a value, or 0 */
	int depth, max;
	int base;  /* depth of the tree being built: 0 whole, 1 an item */
	long item; /* item being built, -1 whole */
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
	if (b->depth == b->base)
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
	b->anchors[b->nanchors++] = (struct yd_anchor){name, id, m, b->item};
	return 1;
}

static const struct yd_anchor *yd_lookup(const struct yd_builder *b, const yaml_char_t *anchor)
{
	for (size_t i = 0; i < b->nanchors; i++)
		if (strcmp(b->anchors[i].name, (const char *)anchor) == 0)
			return &b->anchors[i];
	return NULL;
}

/* "!" and no tag both mean the default tag, as in yaml_parser_load(). */
static const yaml_char_t *yd_tag(const yaml_char_t *tag)
{
	return tag && strcmp((const char *)tag, "!") != 0 ? tag : NULL;
}

/*
 * Room for one more node, for every kind of node (libyaml's own stack
 * growth is then never used). The node stack grows with realloc(): libyaml
 * allocates and frees document memory with the C library's malloc() and
 * free(). Returns 0 out of memory.
 */
static int yd_reserve(yaml_document_t *doc)
{
	if (doc->nodes.top != doc->nodes.end)
		return 1;
	size_t cap = (size_t)(doc->nodes.end - doc->nodes.start);
	size_t ncap = cap ? 2 * cap : 16;
	yaml_node_t *n = realloc(doc->nodes.start, ncap * sizeof(*n));
	if (!n)
		return 0;
	doc->nodes.top = n + cap;
	doc->nodes.end = n + ncap;
	doc->nodes.start = n;
	return 1;
}

/*
 * A scalar node that takes over the event's value and tag, as libyaml's own
 * loader does (yaml_document_add_scalar() would copy the value and check
 * its UTF-8 again: a fifth of the document's cost). The caller has made
 * room (yd_reserve). Returns the node id, 0 out of memory.
 */
static int yd_add_scalar(yaml_document_t *doc, yaml_event_t *ev)
{
	yaml_char_t *tag = ev->data.scalar.tag;
	if (!yd_tag(tag))
		tag = (yaml_char_t *)strdup(YAML_DEFAULT_SCALAR_TAG);
	if (!tag)
		return 0;
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
	if (!yd_reserve(b->doc))
		return yd_fail(b, YAML_MEMORY_ERROR, "out of memory", ev->start_mark);
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

/* One event into the document: 1 go on, 2 at the document's end, 0 error,
 * -1 too deep, -2 an alias to a node outside the item being built. */
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
		const struct yd_anchor *a = yd_lookup(b, ev->data.alias.anchor);
		if (!a)
			return yd_fail(b, YAML_COMPOSER_ERROR, "found undefined alias",
			               ev->start_mark);
		if (a->item != b->item)
			return -2;
		if (!yd_attach(b, a->node))
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

/* The builder's stacks for documents nesting at most max deep; 0 out of memory. */
static int yd_builder_init(struct yd_builder *b, yaml_parser_t *parser, int max)
{
	memset(b, 0, sizeof(*b));
	b->p = parser;
	b->max = max;
	b->item = -1;
	b->stack = malloc((size_t)max * sizeof(*b->stack));
	b->key = malloc((size_t)max * sizeof(*b->key));
	return b->stack && b->key;
}

static void yd_builder_free(struct yd_builder *b)
{
	for (size_t i = 0; i < b->nanchors; i++)
		free(b->anchors[i].name);
	free(b->anchors);
	free(b->stack);
	free(b->key);
}

/*
 * Feeds ev, then the parser's next events, into b->doc: with whole, up to
 * the document's end (returns 1); otherwise until the node ev starts is
 * complete (returns 1). 0 error, -1 too deep (line and col set), -2 an
 * alias outside the item. Deletes every event it read.
 */
static int yd_feed(struct yd_builder *b, yaml_event_t *ev, int whole, size_t *line, size_t *col)
{
	for (;;) {
		int rc = yd_step(b, ev);
		if (rc == -1) {
			*line = ev->start_mark.line + 1;
			*col = ev->start_mark.column + 1;
		}
		yaml_event_delete(ev);
		if (rc == 2 || (rc == 1 && !whole && b->depth == b->base))
			return 1;
		if (rc != 1)
			return rc;
		if (!yaml_parser_parse(b->p, ev))
			return 0;
	}
}

int yaml_load_depth(yaml_parser_t *parser, yaml_document_t *doc, int max, size_t *line, size_t *col)
{
	struct yd_builder b;
	yaml_event_t ev;
	int rc;

	memset(doc, 0, sizeof(*doc));
	rc = yd_start(parser, doc);
	if (rc != 1)
		return rc == 2;
	if (!yd_builder_init(&b, parser, max))
		rc = yd_fail(&b, YAML_MEMORY_ERROR, "out of memory", doc->start_mark);
	else if (!yaml_parser_parse(parser, &ev))
		rc = 0;
	else {
		b.doc = doc;
		rc = yd_feed(&b, &ev, 1, line, col);
	}
	yd_builder_free(&b);
	if (rc != 1)
		yaml_document_delete(doc);
	return rc;
}

/* The items of a root sequence whose start event was just read, each built
 * as a document and handed to fn: 1 done (the document's end read), 0, -1,
 * -2 as yd_feed. */
static int yd_items(struct yd_builder *b, yaml_item_fn fn, void *arg, size_t *line, size_t *col)
{
	yaml_document_t item;
	yaml_event_t ev;
	int rc = 1;

	b->base = b->depth = 1;
	for (b->item = 0;; b->item++) {
		if (!yaml_parser_parse(b->p, &ev))
			return 0;
		if (ev.type == YAML_SEQUENCE_END_EVENT)
			break;
		if (!yaml_document_initialize(&item, NULL, NULL, NULL, 1, 1)) {
			yaml_event_delete(&ev);
			return yd_fail(b, YAML_MEMORY_ERROR, "out of memory", ev.start_mark);
		}
		b->doc = &item;
		rc = yd_feed(b, &ev, 0, line, col);
		if (rc == 1)
			fn(arg, &item, yaml_document_get_root_node(&item), 1);
		yaml_document_delete(&item);
		if (rc != 1)
			return rc;
	}
	yaml_event_delete(&ev);
	/* the document's end */
	if (!yaml_parser_parse(b->p, &ev))
		return 0;
	yaml_event_delete(&ev);
	return 1;
}

int yaml_load_items(yaml_parser_t *parser, int max, yaml_item_fn fn, void *arg, size_t *line,
                    size_t *col)
{
	struct yd_builder b;
	yaml_document_t doc;
	yaml_event_t ev;
	int rc;

	memset(&doc, 0, sizeof(doc));
	rc = yd_start(parser, &doc);
	if (rc != 1) {
		if (rc == 2)
			yaml_document_delete(&doc);
		return rc;
	}
	if (!yd_builder_init(&b, parser, max)) {
		rc = yd_fail(&b, YAML_MEMORY_ERROR, "out of memory", doc.start_mark);
	} else if (!yaml_parser_parse(parser, &ev)) {
		rc = 0;
	} else if (ev.type == YAML_SEQUENCE_START_EVENT) {
		/* the root itself is never handed over: only its anchor counts */
		rc = yd_remember(&b, ev.data.sequence_start.anchor, 0, ev.start_mark);
		yaml_event_delete(&ev);
		if (rc)
			rc = yd_items(&b, fn, arg, line, col);
	} else {
		b.doc = &doc;
		rc = yd_feed(&b, &ev, 1, line, col);
		if (rc == 1)
			fn(arg, &doc, yaml_document_get_root_node(&doc), 0);
	}
	yd_builder_free(&b);
	yaml_document_delete(&doc);
	return rc;
}
