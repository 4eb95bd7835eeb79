/*
 * test_yamldepth.c — the one-pass, depth-bounded YAML document builder
 * (util/yamldepth.c) against libyaml's own yaml_parser_load(): the same
 * nodes, tags, styles, marks and error reports on hand-written cases
 * (aliases, anchors, tags, multi-document streams, syntax and composer
 * errors) and on every rules and configuration file of the tree and of the
 * shared fixtures; and the refusal of deep nesting at its first node.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/yamldepth.h"
#include "testutil.h"

static int same_mark(yaml_mark_t a, yaml_mark_t b)
{
	return a.index == b.index && a.line == b.line && a.column == b.column;
}

/* Node by node: type, tag, marks, style, value, children. */
static void expect_same_doc(const char *what, int ndoc, yaml_document_t *a, yaml_document_t *b)
{
	long na = a->nodes.top - a->nodes.start, nb = b->nodes.top - b->nodes.start;
	cr_assert_eq(na, nb, "%s doc %d: %ld nodes, yaml_parser_load %ld", what, ndoc, nb, na);
	for (long i = 0; i < na; i++) {
		yaml_node_t *x = a->nodes.start + i, *y = b->nodes.start + i;
		cr_assert_eq(x->type, y->type, "%s node %ld", what, i);
		cr_assert_str_eq((char *)x->tag, (char *)y->tag, "%s node %ld", what, i);
		cr_assert(same_mark(x->start_mark, y->start_mark), "%s node %ld start", what, i);
		cr_assert(same_mark(x->end_mark, y->end_mark), "%s node %ld end", what, i);
		if (x->type == YAML_SCALAR_NODE) {
			cr_assert_eq(x->data.scalar.length, y->data.scalar.length, "%s %ld", what,
			             i);
			cr_assert_eq(x->data.scalar.style, y->data.scalar.style, "%s %ld", what, i);
			cr_assert(memcmp(x->data.scalar.value, y->data.scalar.value,
			                 x->data.scalar.length) == 0,
			          "%s node %ld", what, i);
		} else if (x->type == YAML_SEQUENCE_NODE) {
			long n = x->data.sequence.items.top - x->data.sequence.items.start;
			cr_assert_eq(n, y->data.sequence.items.top - y->data.sequence.items.start);
			cr_assert(memcmp(x->data.sequence.items.start, y->data.sequence.items.start,
			                 (size_t)n * sizeof(int)) == 0,
			          "%s node %ld", what, i);
		} else {
			long n = x->data.mapping.pairs.top - x->data.mapping.pairs.start;
			cr_assert_eq(n, y->data.mapping.pairs.top - y->data.mapping.pairs.start);
			cr_assert(memcmp(x->data.mapping.pairs.start, y->data.mapping.pairs.start,
			                 (size_t)n * sizeof(yaml_node_pair_t)) == 0,
			          "%s %ld", what, i);
		}
	}
}

/* Every document of text through both loaders; returns how many loaded. */
static int compare(const char *what, const char *text, size_t len)
{
	yaml_parser_t p1, p2;
	int ndoc = 0;
	yaml_parser_initialize(&p1);
	yaml_parser_initialize(&p2);
	yaml_parser_set_input_string(&p1, (const unsigned char *)text, len);
	yaml_parser_set_input_string(&p2, (const unsigned char *)text, len);
	for (;; ndoc++) {
		yaml_document_t a, b;
		size_t line = 0, col = 0;
		int ra = yaml_parser_load(&p1, &a);
		int rb = yaml_load_depth(&p2, &b, YAML_MAX_DEPTH, &line, &col);
		cr_assert_eq(rb, ra, "%s doc %d: %d, yaml_parser_load %d (%s / %s)", what, ndoc, rb,
		             ra, p2.problem ? p2.problem : "-", p1.problem ? p1.problem : "-");
		if (!ra) {
			cr_assert_eq(p2.error, p1.error, "%s", what);
			cr_assert_str_eq(p2.problem, p1.problem, "%s", what);
			cr_assert(same_mark(p2.problem_mark, p1.problem_mark), "%s", what);
			cr_assert_str_eq(p2.context ? p2.context : "",
			                 p1.context ? p1.context : "");
			break;
		}
		expect_same_doc(what, ndoc, &a, &b);
		int end = yaml_document_get_root_node(&a) == NULL;
		yaml_document_delete(&a);
		yaml_document_delete(&b);
		if (end)
			break;
	}
	yaml_parser_delete(&p1);
	yaml_parser_delete(&p2);
	return ndoc;
}

Test(yamldepth, same_documents_and_errors_as_yaml_parser_load)
{
	static const char *cases[] = {
	    "",
	    "# only a comment\n",
	    "a: 1\nb: [x, y, {c: d}]\n",
	    "- rule: r\n  condition: >\n    a and\n    b\n  tags: [t1, 't2', \"t3\"]\n",
	    "a: &x [1, 2]\nb: *x\nc: &y {k: v}\nd: *y\n",
	    "a: &x [1, 2]\nb: *x\n---\nc: 3\n...\n--- !!map\nd: !!str 4\n",
	    "%YAML 1.1\n%TAG !e! tag:example.com,2000:\n---\n- !e!foo bar\n- ! baz\n",
	    "? [complex, key]\n: value\n? {k: v}\n: [w]\n",
	    "a: *nope\n",
	    "a: &x 1\nb: &x 2\n",
	    "a: [1, 2\n",
	    "a: b: c\n",
	    "- a\nb: c\n",
	    "a: &x 1\n---\nb: *x\n",
	    "'unterminated\n",
	    "a: \"\\x80\\u00e9\\0\"\n",
	    "- - - - [[[{a: [b]}]]]\n",
	    "empty_value:\nnull_value: ~\n",
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char what[32];
		snprintf(what, sizeof(what), "case %zu", i);
		compare(what, cases[i], strlen(cases[i]));
	}
}

static int nfiles;

static int compare_file(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)ftw;
	size_t n = strlen(path);
	if (flag != FTW_F || n < 5 ||
	    (strcmp(path + n - 5, ".yaml") && strcmp(path + n - 4, ".yml")))
		return 0;
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "%s", path);
	char *text = malloc((size_t)st->st_size + 1);
	cr_assert_not_null(text);
	size_t len = fread(text, 1, (size_t)st->st_size, f);
	fclose(f);
	compare(path, text, len);
	free(text);
	nfiles++;
	return 0;
}

/* The tree's rules, configs and test fixtures, and the shared Falco files. */
Test(yamldepth, same_as_yaml_parser_load_on_every_yaml_file)
{
	char p[4096];
	static const char *dirs[] = {"rules", "etc", "tests"};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		nftw(tu_srcpath(p, sizeof(p), dirs[i]), compare_file, 16, FTW_PHYS);
	int own = nfiles;
	cr_assert_gt(own, 3, "found only %d YAML files in the tree", own);
	if (tu_shared_has("fixtures"))
		nftw(tu_sharedpath(p, sizeof(p), "fixtures"), compare_file, 16, FTW_PHYS);
	cr_log_info("%d YAML files compared (%d of the tree)", nfiles, own);
}

static char *nested(int depth, const char *prefix)
{
	char *text = malloc(strlen(prefix) + 2 * (size_t)depth + 2);
	cr_assert_not_null(text);
	size_t n = (size_t)sprintf(text, "%s", prefix);
	for (int i = 0; i < depth; i++)
		text[n++] = '[';
	for (int i = 0; i < depth; i++)
		text[n++] = ']';
	text[n++] = '\n';
	text[n] = '\0';
	return text;
}

static int load_depth(const char *text, int max, size_t *line, size_t *col)
{
	yaml_parser_t p;
	yaml_document_t doc;
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, strlen(text));
	int rc = yaml_load_depth(&p, &doc, max, line, col);
	if (rc == 1)
		yaml_document_delete(&doc);
	yaml_parser_delete(&p);
	return rc;
}

/* The mapping is depth 1: max-1 brackets load, max do not; the error names
 * the first bracket past the limit (columns are 1-based, "k: " is 3). */
Test(yamldepth, deep_nesting_stops_at_the_first_node_past_the_limit)
{
	size_t line = 0, col = 0;
	char *ok = nested(YAML_MAX_DEPTH - 1, "k: ");
	char *deep = nested(YAML_MAX_DEPTH, "k: ");
	char *hostile = nested(200000, "\n\nk: ");
	cr_expect_eq(load_depth(ok, YAML_MAX_DEPTH, &line, &col), 1);
	cr_expect_eq(load_depth(deep, YAML_MAX_DEPTH, &line, &col), -1);
	cr_expect_eq(line, 1);
	cr_expect_eq(col, 3 + YAML_MAX_DEPTH);
	cr_expect_eq(load_depth(hostile, YAML_MAX_DEPTH, &line, &col), -1);
	cr_expect_eq(line, 3);
	cr_expect_eq(col, 3 + YAML_MAX_DEPTH);
	cr_expect_eq(load_depth("a:\n  b: [1]\n", 2, &line, &col), -1);
	cr_expect_eq(line, 2);
	cr_expect_eq(col, 6);
	cr_expect_eq(load_depth("a:\n  b: 1\n", 2, &line, &col), 1);
	cr_expect_eq(load_depth("a:\n  b:\n    c: 1\n", 2, &line, &col), -1);
	cr_expect_eq(line, 3);
	cr_expect_eq(col, 5);
	free(ok);
	free(deep);
	free(hostile);
}
