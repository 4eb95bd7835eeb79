/*
 * yamldepth.h — a libyaml document built in one pass that refuses YAML
 * nested deeper than any rules or config file needs: libyaml's own loader
 * is quadratic in the nesting depth (a 100,000-deep file takes it about a
 * minute), so a hostile file is stopped at the first node past the limit,
 * and the text is tokenised once (no separate counting pass).
 */
#ifndef KESTREL_YAMLDEPTH_H
#define KESTREL_YAMLDEPTH_H

#include <stddef.h>
#include <yaml.h>

/* Deepest nesting of sequences and mappings accepted. Falco's rule files
 * nest 4 deep (exceptions' value tuples); configs 3. */
#define YAML_MAX_DEPTH 64

/*
 * The next document of parser into doc, as yaml_parser_load() builds it
 * (same nodes, tags, styles and marks; an empty document, no root node, at
 * the end of the stream). Returns 1 loaded (the caller deletes doc); 0 on
 * a YAML error, described in parser->problem, problem_mark, context as
 * yaml_parser_load() describes it; -1 when the document nests deeper than
 * max, with the 1-based line and column of the first node past the limit.
 * On 0 and -1 doc holds nothing to free.
 */
int yaml_load_depth(yaml_parser_t *parser, yaml_document_t *doc, int max, size_t *line,
                    size_t *col);

/* Receives one piece of a document read by yaml_load_items(): node is the
 * root of doc, an item of the document's root sequence (is_item 1) or the
 * document's root when that is not a sequence (is_item 0). doc is deleted
 * after the call. */
typedef void (*yaml_item_fn)(void *arg, yaml_document_t *doc, yaml_node_t *node, int is_item);

/*
 * The next document of parser, as yaml_load_depth() reads it, handed to fn
 * a piece at a time: when its root is a sequence (a rules file), each item
 * of it as a document of its own, built, handed over and deleted in turn,
 * so memory holds one item rather than the whole file; any other root as
 * one document. Returns 1 a document was read, 2 the stream has no more
 * documents, 0 a YAML error, -1 nesting deeper than max (line and col set),
 * as yaml_load_depth() would report them, except that fn may have had the
 * items before the error; -2 when an alias refers to a node outside its
 * item: the caller reads the document whole instead (yaml_load_depth() on
 * a new parser).
 */
int yaml_load_items(yaml_parser_t *parser, int max, yaml_item_fn fn, void *arg, size_t *line,
                    size_t *col);

#endif
