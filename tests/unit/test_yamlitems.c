/*
 * test_yamlitems.c — what start-up's memory savings must not change: a
 * rules file read one item at a time (yaml_load_items) gives the nodes a
 * whole read gives, falls back to a whole read for an alias across items,
 * and a YAML error after some items reports only that error.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "engine/engine.h"
#include "util/yamldepth.h"

/* One line per node, depth first: kind, tag, value, marks. */
static void dump(yaml_document_t *d, yaml_node_t *n, FILE *out)
{
	fprintf(out, "%d %s %zu:%zu-%zu:%zu ", (int)n->type, n->tag ? (char *)n->tag : "-",
	        n->start_mark.line, n->start_mark.column, n->end_mark.line, n->end_mark.column);
	if (n->type == YAML_SCALAR_NODE) {
		fprintf(out, "'%s'\n", (char *)n->data.scalar.value);
	} else if (n->type == YAML_SEQUENCE_NODE) {
		fputs("[\n", out);
		for (yaml_node_item_t *i = n->data.sequence.items.start;
		     i < n->data.sequence.items.top; i++)
			dump(d, yaml_document_get_node(d, *i), out);
		fputs("]\n", out);
	} else {
		fputs("{\n", out);
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
		     p < n->data.mapping.pairs.top; p++) {
			dump(d, yaml_document_get_node(d, p->key), out);
			dump(d, yaml_document_get_node(d, p->value), out);
		}
		fputs("}\n", out);
	}
}

static void dump_piece(void *arg, yaml_document_t *d, yaml_node_t *n, int is_item)
{
	cr_assert(is_item);
	dump(d, n, arg);
}

static const char rules[] =
    "- list: l1\n"
    "  items: [a, \"b c\", 'd']\n"
    "- macro: m1\n"
    "  condition: >\n"
    "    proc.name in (l1)\n"
    "      and evt.type = open\n"
    "- rule: r1\n"
    "  desc: &d x\n"
    "  condition: m1\n"
    "  output: \"%proc.name\"\n"
    "  priority: INFO\n"
    "  tags: [a, {b: c}]\n"
    "-\n"
    "- 42\n";

Test(yaml_items, items_are_the_nodes_of_a_whole_read)
{
	char *a = NULL, *b = NULL;
	size_t na = 0, nb = 0, l, c;
	FILE *fa = open_memstream(&a, &na), *fb = open_memstream(&b, &nb);
	yaml_parser_t p;
	yaml_document_t doc;

	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)rules, strlen(rules));
	cr_assert_eq(yaml_load_depth(&p, &doc, YAML_MAX_DEPTH, &l, &c), 1);
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	for (yaml_node_item_t *i = root->data.sequence.items.start;
	     i < root->data.sequence.items.top; i++)
		dump(&doc, yaml_document_get_node(&doc, *i), fa);
	yaml_document_delete(&doc);
	yaml_parser_delete(&p);

	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)rules, strlen(rules));
	cr_assert_eq(yaml_load_items(&p, YAML_MAX_DEPTH, dump_piece, fb, &l, &c), 1);
	cr_assert_eq(yaml_load_items(&p, YAML_MAX_DEPTH, dump_piece, fb, &l, &c), 2);
	yaml_parser_delete(&p);
	fclose(fa);
	fclose(fb);
	cr_assert_str_eq(b, a);
	free(a);
	free(b);
}

static void count_piece(void *arg, yaml_document_t *d, yaml_node_t *n, int is_item)
{
	(void)d;
	(void)n;
	(void)is_item;
	(*(int *)arg)++;
}

Test(yaml_items, alias_across_items_asks_for_a_whole_read)
{
	static const char text[] = "- &x {list: l, items: [a]}\n- *x\n";
	yaml_parser_t p;
	size_t l, c;
	int n = 0;

	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, strlen(text));
	cr_assert_eq(yaml_load_items(&p, YAML_MAX_DEPTH, count_piece, &n, &l, &c), -2);
	cr_assert_eq(n, 1);
	yaml_parser_delete(&p);
}

Test(yaml_items, alias_across_items_loads)
{
	static const char text[] = "- list: l1\n"
	                           "  items: &it [a, b]\n"
	                           "- list: l2\n"
	                           "  items: *it\n"
	                           "- rule: r\n"
	                           "  desc: d\n"
	                           "  condition: proc.name in (l2) and evt.type = open\n"
	                           "  output: o\n"
	                           "  priority: INFO\n";
	struct engine *e = engine_new();
	struct engine_diag *d = engine_diag_new();

	cr_assert_eq(engine_add_buffer(e, "t.yaml", text, strlen(text), d), 0);
	cr_assert_eq(engine_compile(e, d), 0);
	cr_assert_eq(engine_active_count(e), 1);
	engine_diag_free(d);
	engine_free(e);
}

Test(yaml_items, yaml_error_after_items_is_the_only_diagnostic)
{
	static const char text[] = "- macro: m\n"
	                           "  condition: evt.type = open\n"
	                           "  bogus: 1\n"
	                           "- 42\n"
	                           "- rule: [\n";
	struct engine *e = engine_new();
	struct engine_diag *d = engine_diag_new();

	cr_assert_eq(engine_add_buffer(e, "t.yaml", text, strlen(text), d), -1);
	cr_assert_eq(engine_diag_count(d), 1);
	cr_assert(engine_diag_contains(d, "t.yaml:6:1: error: YAML parse error"),
	          "got: %s", engine_diag_get(d, 0)->msg);
	engine_diag_free(d);
	engine_free(e);
}
