/*
 * parse.h — condition syntax tree and the recursive-descent parser that
 * builds it from a condition string (Falco's grammar). Macro references stay
 * as CN_MACRO nodes here; the compiler (compile.c) expands them.
 *
 * Memory: every node and string is allocated in the caller's arena and
 * freed with it.
 */
#ifndef KESTREL_ENGINE_PARSE_H
#define KESTREL_ENGINE_PARSE_H

#include <stddef.h>
#include <stdio.h>

#include "engine/arena.h"

/* Deepest nesting of parentheses/not accepted (Falco's rule loader sets
 * its parser's limit to 1000); deeper input is an error rather than a
 * stack overflow. */
#define CPARSE_MAX_DEPTH 1000
/* Expansion budget of one ruleset: condition nodes copied from macros,
 * list items flattened from nested lists and list values copied into
 * conditions, together. Macros and lists that nest exponentially (a few
 * hundred bytes of YAML can describe 2^40 nodes) fail at this bound
 * (enforced by expand.c) with an error at the reference instead of
 * exhausting memory (worst case ~200 MB); a SIGHUP reload runs this inside
 * the daemon. Falco's stable, incubating and sandbox rules together use
 * about 5,300, kestrel's default rules about 800. */
#define CPARSE_MAX_EXPANDED 1000000
/* Most items one list may hold once its nested lists are flattened. */
#define CPARSE_MAX_LIST_ITEMS 100000
/* Values a check's scratch holds at first (most checks have one). */
#define CPARSE_VALS_INITIAL 16
/* Transformers applied to one field, e.g. tolower(basename(fd.name)). */
#define CFIELD_MAX_XFORMS 4

struct src_pos {
	const char *file;
	int line, col; /* 1-based; 0 when unknown */
};

/* Bytes from off on, up to the next run, sit one column apart on pos's
 * line: the byte at off + k is at pos.col + k. */
struct posrun {
	size_t off;
	struct src_pos pos;
};

/* Position of each byte of a condition string, and of its end (offset n),
 * as runs sorted by off, runs[0].off == 0. A run per line rather than a
 * position per byte: Falco's rules hold ~30 KB of conditions, which a
 * position per byte turned into half a megabyte of fresh memory. */
struct posmap {
	size_t n;
	size_t nruns;
	struct posrun *runs;
};
/* Position of byte off (off > n: the end); zero when pm has no runs. */
struct src_pos posmap_at(const struct posmap *pm, size_t off);

enum cop {
	OP_NONE = 0,
	OP_EQ,
	OP_NE,
	OP_LT,
	OP_LE,
	OP_GT,
	OP_GE,
	OP_CONTAINS,
	OP_ICONTAINS,
	OP_BCONTAINS,
	OP_STARTSWITH,
	OP_BSTARTSWITH,
	OP_ENDSWITH,
	OP_IN,
	OP_INTERSECTS,
	OP_PMATCH,
	OP_EXISTS,
	OP_GLOB,
	OP_IGLOB,
	OP_REGEX,
	OP_COUNT_
};

enum cmod { MOD_NONE = 0, MOD_ANYOF, MOD_ALLOF, MOD_ONEOF };

enum cxform { XF_NONE = 0, XF_TOLOWER, XF_TOUPPER, XF_B64, XF_BASENAME, XF_LEN };

/* Multi-value transformers: join(sep, (a, b)), concat(a, b, ...),
 * getopt((args...), optstring). */
enum cmulti_kind { MV_JOIN = 1, MV_CONCAT, MV_GETOPT };

struct cfield;
struct cmarg {
	const char *lit;        /* a quoted string, or NULL */
	const struct cfield *f; /* a field (with transformers), or NULL */
};

struct cmulti {
	enum cmulti_kind kind;
	const char *str; /* join's separator, getopt's optstring */
	int nargs;
	struct cmarg *args; /* join's list, concat's arguments, getopt's argv */
};

struct cfield {
	const char *name;           /* "proc.aname", "evt.arg.flags"; "join()" ... with multi */
	const struct cmulti *multi; /* a multi-value transformer instead of a field */
	const char *arg;            /* "2" for proc.aname[2]; NULL when none */
	int nxforms;
	enum cxform xforms[CFIELD_MAX_XFORMS]; /* innermost first */
	struct src_pos pos;
};

enum ckind { CN_AND, CN_OR, CN_NOT, CN_CHECK, CN_MACRO };

enum crhs { RHS_NONE = 0, RHS_SCALAR, RHS_LIST, RHS_FIELD };

struct cnode {
	enum ckind kind;
	struct src_pos pos;
	/* CN_AND / CN_OR (n-ary), CN_NOT (one kid) */
	int nkids, capkids; /* kids grows by doubling (cnode_add_kid) */
	struct cnode **kids;
	/* CN_CHECK */
	struct cfield lhs;
	enum cop op;
	enum cmod mod;
	enum crhs rhs_kind;
	int nvals;
	const char **vals; /* scalar: vals[0]; list: all items (lists expanded) */
	struct cfield rhs;
	/* CN_MACRO */
	const char *macro;
};

/* Lists, for substitution of list names written as values. Returns the
 * items (already expanded, as written in YAML) or NULL. A list too large
 * to expand returns non-NULL with *n = CPARSE_LIST_TOO_BIG (an error at the
 * reference). */
#define CPARSE_LIST_TOO_BIG ((size_t)-1)
typedef const char *const *(*cparse_list_fn)(void *arg, const char *name, size_t *n);

struct cparse_ctx {
	struct arena *arena;
	const struct posmap *pm; /* NULL: positions unknown */
	cparse_list_fn lists;
	void *lists_arg;
	/* Result of a failed parse. */
	char err[256];
	struct src_pos errpos;
};

/* cond -> expr EOF. NULL on error (ctx->err, ctx->errpos). */
struct cnode *cparse_condition(struct cparse_ctx *ctx, const char *text);
/* A lone field expression (exception `fields:`), transformers allowed. */
int cparse_field(struct cparse_ctx *ctx, const char *text, struct cfield *out);
/* Operator by its spelling ("=", "in", "startswith", ...), OP_NONE if
 * unknown; "startswith anyof" style modifiers are returned in *mod. */
enum cop cparse_op(const char *s, enum cmod *mod);
const char *cparse_op_name(enum cop op);
int cparse_op_is_list(enum cop op);
const char *cparse_xform_name(enum cxform x);
const char *cparse_mod_name(enum cmod m);

struct cnode *cnode_new(struct arena *a, enum ckind kind);
int cnode_add_kid(struct arena *a, struct cnode *parent, struct cnode *kid);
/* print.c: condition text of a tree (canonical spelling, fully parenthesised where
 * needed). */
void cnode_print(const struct cnode *n, FILE *out);
void cfield_print(const struct cfield *f, FILE *out);

#endif
