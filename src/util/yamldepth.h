/*
 * yamldepth.h — refuse YAML nested deeper than any rules or config file
 * needs, before building a document: libyaml's cost grows with the square
 * of the nesting depth (a 100,000-deep file takes it about a minute), so
 * a hostile file is stopped at the first node past the limit.
 */
#ifndef KESTREL_YAMLDEPTH_H
#define KESTREL_YAMLDEPTH_H

#include <stddef.h>

/* Deepest nesting of sequences and mappings accepted. Falco's rule files
 * nest 4 deep (exceptions' value tuples); configs 3. */
#define YAML_MAX_DEPTH 64

/*
 * 0 when text nests at most max deep (or is not valid YAML: the real parse
 * reports that); -1 when it nests deeper, with the 1-based line and column
 * of the first node past the limit.
 */
int yaml_check_depth(const char *text, size_t len, int max, size_t *line, size_t *col);

#endif
