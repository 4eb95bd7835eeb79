/*
 * ccomp.h — what the condition compiler's files share: the compiled tree
 * (struct enode / struct echeck) built by compile.c and walked by eval.c,
 * the error context of a compilation, and the macro/list/exception
 * expansion of expand.c that runs before code generation. Engine-internal.
 */
#ifndef KESTREL_ENGINE_CCOMP_H
#define KESTREL_ENGINE_CCOMP_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "engine/engine_int.h"

/* Deepest condition tree after macro expansion. */
#define CCOMP_MAX_DEPTH 400
/* PCRE2 limits for one regex match (a runaway match is an error, not a
 * stall of the event loop). With the JIT, the match limit lets `.*(a|b).*`
 * patterns scan a few MB of arguments (1 MB: ~7 ms) and stops a
 * catastrophic pattern such as `(a|aa)+$` after ~30 ms; the depth limit
 * bounds the interpreter's backtracking memory when the JIT is
 * unavailable. A match that errors out makes its rule fire (fail open). */
#define CCOMP_REGEX_MATCH_LIMIT 10000000
#define CCOMP_REGEX_DEPTH_LIMIT 100000
/* JIT stack: starts at the first size, grows up to the second. */
#define CCOMP_REGEX_JIT_STACK_MIN (32 * 1024)
#define CCOMP_REGEX_JIT_STACK_MAX (1024 * 1024)

/* Longest address text whose parse a CIDR check caches (INET6_ADDRSTRLEN). */
#define CCOMP_IP_TEXT_MAX 46

/* Macro nesting beyond this is reported as a cycle. */
#define CCOMP_MAX_MACRO_NEST 64

enum ekind { EN_AND, EN_OR, EN_NOT, EN_CHECK };

struct cidr {
	int family;
	unsigned char addr[16];
	int bits;
};

struct echeck {
	/* What eval.c reads for every check, first: one cache line rather
	 * than four (the rule data is cold by the time the event's parsing
	 * is done, and each line is a miss). */
	struct emulti *mv; /* join()/concat()/getopt() instead of a field */
	struct sset *set;
	int slot;
	int rhs_slot;
	int any_anc; /* FA_INDEX field without index: any ancestor */
	int nxf;
	enum ftype type;
	enum cop op;
	enum cmod mod;
	int nvals;
	const char *s;
	size_t slen;
	/* right-hand side, the rest */
	int64_t n;
	struct pset *pfx;
	struct cidr *nets;
	const char **vals;
	size_t *lens;
	int64_t *nums;
	pcre2_code **re;
	pcre2_match_data *md;
	pcre2_match_context *mctx; /* the engine's (limits, JIT stack) */
	struct engine *eng;        /* for match errors (eval_error) */
	struct fref ref;
	enum cxform xf[CFIELD_MAX_XFORMS];
	struct buf xbuf, abuf;
	const char **globs; /* pmatch entries with wildcards (/opt/ * /bin) */
	int nglobs;
	int rhs_nxf; /* transformers of a right-hand field */
	enum cxform rhs_xf[CFIELD_MAX_XFORMS];
	struct buf rbuf, rabuf;
	/* CIDR checks: the last address text parsed and its bytes (the same
	 * address comes back event after event); ip_text[0] 0 when none */
	char ip_text[CCOMP_IP_TEXT_MAX];
	int ip_ok, ip_fam;
	unsigned char ip_addr[16];
	/* host-name checks live: the names as written (vals/nvals) are the
	 * resolver's slot hslot; NULL in replay, where nets holds them */
	struct eresolver *hres;
	int hslot;
	int hnames; /* names written (nvals is the addresses' count) */
	/* lazy host names (replay): not resolved yet; ccomp_resolve_lazy()
	 * resolves them into nets at the first evaluation */
	struct engine *hlazy;
};

struct enode {
	enum ekind kind;
	int cost; /* see field_cost(): operands of and/or run cheapest first */
	int nkids;
	struct enode **kids;
	struct echeck *chk;
};

struct cerr {
	struct engine *e;
	struct engine_diag *d;
	struct rl_rule *rule;
	int errors;
	const char *unsupported; /* first field without extractor in a condition */
	int unknown_field;       /* an error was an unknown field */
};

/* expand.c: parses a macro/rule condition text (error → ce). */
struct cnode *cexp_parse_text(struct cerr *ce, const struct ptext *t, const char *type,
                              const char *name);
/* Reports an allocation failure at pos (an error, never a crash). */
void cexp_oom(struct cerr *ce, const struct src_pos *pos, const char *type, const char *name);
/* The expanded tree of a macro (cached; cycles are errors). */
struct cnode *cexp_macro_tree(struct cerr *ce, struct rl_macro *m, int nest);
/* Replaces macro references in n with the (shared) macro trees. */
struct cnode *cexp_expand(struct cerr *ce, struct cnode *n, const char *type, const char *name,
                          int nest);
/* Falco's exceptions: cond and not (exception1 or exception2 ...). */
struct cnode *cexp_apply_exceptions(struct cerr *ce, struct rl_rule *r, struct cnode *cond);

/* compile_check.c: one check, or NULL (reported, or out of memory). */
/* Resolves a lazy host-name check's names (k->hlazy) into k->nets, once. */
void ccomp_resolve_lazy(struct echeck *k);
struct echeck *ccomp_check(struct cerr *ce, const struct cnode *n, const char *type,
                           const char *name);
/* xform.c: transformer type checks (def may be NULL); -1 reported. */
int ccomp_check_xforms(struct cerr *ce, const struct cfield *f, const struct field_def *def,
                       const char *key, enum ftype *t, const char *type, const char *name);
/* xform.c: multi-value transformers. compile → NULL (reported) on error;
 * eval fills the string result (getopt: its items, see _items) and returns
 * 1, or 0 when a field argument has no value. */
struct emulti;
struct emulti *ccomp_multi(struct cerr *ce, const struct cfield *f, const char *type,
                           const char *name);
void ccomp_multi_free(struct emulti *mv);
int ccomp_multi_is_list(const struct emulti *mv);
int ccomp_multi_eval(struct engine *e, struct emulti *mv, const char **s, size_t *len);
int ccomp_multi_items(const struct emulti *mv, int i, const char **s, size_t *len);

/* eval.c: fnmatch() of the glob operator and rule selection. */
int ccomp_glob_match(const char *pat, const char *s, int icase);
/* Applies transformers (innermost first) to s/len (len sets *num); b and
 * a are scratch buffers the result may live in. */
const char *ccomp_xforms(const enum cxform *xf, int nxf, struct buf *b, struct buf *a,
                         const char *s, size_t *len, int64_t *num);

#endif
