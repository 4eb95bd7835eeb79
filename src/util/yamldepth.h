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

#endif
