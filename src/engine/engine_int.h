/*
 * engine_int.h — internals shared by the engine's files (loader, compiler,
 * evaluator, output templates, CLI). Not for other modules: they use
 * engine.h.
 *
 * Memory: everything hanging off struct engine lives in e->arena, except
 * the per-slot buffers, regex objects and the per-event-type tables (an
 * anonymous mapping, engine.c), which engine_free() releases.
 */
#ifndef KESTREL_ENGINE_INT_H
#define KESTREL_ENGINE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "engine/arena.h"
#include "engine/engine.h"
#include "engine/fields.h"
#include "engine/parse.h"

/* Event types (syscall names) known to the engine, as bit positions. Bit
 * EVT_OTHER stands for every name the table does not hold. */
#define EVT_MAX 2048
#define EVT_WORDS (EVT_MAX / 64)
#define EVT_OTHER 0
/* A rule matching more event types than this gets Falco's
 * LOAD_NO_EVTTYPE warning. */
#define EVT_WARN_THRESHOLD 100
/* Size of the name → id hash table (power of two, >= 2 * EVT_MAX: at most
 * half full). Entries are id + 1 in 16 bits (EVT_MAX < 65535). */
#define EVT_HASH_SIZE 4096

struct evtset {
	uint64_t w[EVT_WORDS];
};

/* Text with the source position of each byte (conditions grow by append). */
struct ptext {
	char *s;
	struct posmap pm;
};

struct rl_list {
	const char *name;
	struct ptrvec items; /* const char * as written */
	struct src_pos pos;
	int expanded; /* nested list references resolved */
	int used;     /* referenced by a condition or another list */
	const char *const *flat;
	size_t nflat;
	int too_big; /* flattening went over a CCOMP_ limit */
};

struct rl_macro {
	const char *name;
	struct ptext cond;
	struct src_pos pos;
	int state; /* 0 new, 1 expanding, 2 done, 3 failed */
	int used;  /* referenced by a rule or macro */
	struct cnode *ast;
	size_t nodes; /* of ast, charged to the budget on each copy */
};

struct rl_excval {
	const char *s; /* scalar */
	int is_list;
	struct ptrvec list; /* const char * */
	struct src_pos pos;
};

struct rl_exc {
	const char *name;
	struct src_pos pos;
	int fields_is_list;
	struct ptrvec fields; /* const char * */
	struct ptrvec comps;  /* const char * (may be empty) */
	struct ptrvec values; /* list fields: struct ptrvec * of rl_excval *; scalar: rl_excval * */
};

struct echeck;
struct enode;
struct ofmt;

/* What one rule did (rulestats.c): bumped by engine_eval_with(), carried
 * by name into the next engine on a reload (engine_stats_carry). */
struct rule_counts {
	uint64_t evals;      /* condition run */
	uint64_t matches;    /* condition true, or failed open: an alert emitted */
	uint64_t suppressed; /* of those, dropped by the outputs (engine_note_suppressed) */
	uint64_t time_ns;    /* evaluation time, only while e->rule_timing */
};

/* What the events of one type (syscall name) did; indexed by event-type id. */
struct evt_counts {
	uint64_t events, evals, matches;
};

struct rl_rule {
	const char *name;
	const char *desc;
	struct ptext cond;
	const char *output;
	struct src_pos output_pos;
	const char *source;
	int priority;
	struct ptrvec tags; /* const char * */
	int enabled;
	struct ptrvec excs; /* rl_exc * */
	int warn_evttypes, skip_unknown;
	struct src_pos pos;
	/* compiled */
	struct cnode *ast;
	struct enode *root;
	struct evtset types;
	int ntypes; /* bits set, EVT_OTHER included */
	int active;
	int selected; /* enabled after selection */
	const char *skip_reason;
	uint64_t regex_errors;    /* matches that errored out (fail open) */
	uint64_t regex_logged_ms; /* last log of one (rate limit) */
	uint64_t regex_unlogged;  /* errors since that log */
	struct ofmt *fmt;
	struct alert_field *afields; /* one per output field */
	struct rule_counts cnt;
};

/* Index of a list, macro or rule by name in e's collection, or -1. */
#define FIND_LIST(e, n)                                                                            \
	nameidx_find(&(e)->arena, &(e)->idx_lists, &(e)->lists, offsetof(struct rl_list, name), n)
#define FIND_MACRO(e, n)                                                                           \
	nameidx_find(&(e)->arena, &(e)->idx_macros, &(e)->macros, offsetof(struct rl_macro, name), \
	             n)
#define FIND_RULE(e, n)                                                                            \
	nameidx_find(&(e)->arena, &(e)->idx_rules, &(e)->rules, offsetof(struct rl_rule, name), n)

struct rl_select {
	const char *pattern;
	int by_tag, enable;
};

/* Names from the default (host) passwd/group resolver, direct-mapped by
 * id; alerts print user.name for every event they fire on. */
#define ENGINE_IDCACHE 64
#define ENGINE_IDNAME_MAX 64
struct idcache_ent {
	int used, is_group;
	int64_t id;
	char name[ENGINE_IDNAME_MAX];
};

/* A field value cached for the current event. */
struct eslot {
	struct fref ref;
	uint64_t epoch;
	int present;
	struct fval val;
	struct buf buf;
	uint64_t hash_epoch; /* hash of val.s, computed once per event */
	uint64_t hash;
};

struct engine {
	struct arena arena;
	/* configuration */
	enum engine_matching matching;
	enum priority min_priority;
	const char *append_output;
	int live;
	int lazy_hosts; /* replay: host names resolved at first use (compile_check.c) */
	int use_index;
	engine_idname_fn idname;
	void *idname_arg;
	engine_caps_fn caps;
	void *caps_arg;
	char hostname[256];
	struct idcache_ent idcache[ENGINE_IDCACHE];
	struct ptrvec selects; /* rl_select * */
	struct ptrvec appends; /* struct engine_append * (copied), in call order */
	/* collection, in definition order */
	struct ptrvec lists, macros, rules;
	struct nameidx idx_lists, idx_macros, idx_rules; /* FIND_LIST, ... */
	int loaded_files;
	int compiled, broken;
	size_t expanded; /* expansion budget used (CCOMP_MAX_EXPANDED) */
	/* event types: evt_names, evt_hash, buckets and evtc point into
	 * e->evt_tables (engine.c), EVT_MAX entries each (EVT_HASH_SIZE for
	 * the hash) */
	struct evt_tables *evt_tables;
	const char **evt_names;
	int nevt;
	uint16_t *evt_hash; /* id + 1, 0 = empty */
	/* compiled state */
	struct eslot *slots;
	size_t nslots, cap_slots;
	struct ptrvec checks;    /* echeck *, for cleanup */
	struct ptrvec na_warned; /* value lists already warned about "<NA>" */
	struct ptrvec *buckets;  /* rl_rule *, load order, per event type */
	struct ptrvec all_active;
	/* per-event */
	uint64_t epoch;
	uint64_t evtnum;
	struct fctx ctx;
	struct buf outbuf;
	struct buf xfbuf, xfabuf; /* output transformers' scratch (format.c) */
	struct engine_stats stats;
	/* per-rule and per-type counters (rulestats.c); evtc has EVT_MAX
	 * entries (in e->evt_tables) */
	struct evt_counts *evtc;
	int rule_timing;          /* measure each rule's evaluation time */
	struct rl_rule *emitting; /* rule whose alert is being emitted, or NULL */
	/* regex matching (compile.c, eval.c): shared limits and JIT stack;
	 * eval_error is the last match error of the rule being evaluated (a
	 * PCRE2 error code, 0 for none): the rule then fires (fail open). */
	void *re_mctx, *re_jitstack;
	int eval_error;
	/* host names of conditions (resolver.c): the resolve hook, and live
	 * the host-name checks and the thread that resolves their names */
	engine_resolve_fn resolve;
	void *resolve_arg;
	unsigned dns_refresh_ms;
	struct ptrvec hostchecks; /* echeck *, live only */
	struct eresolver *resolver;
};

/* engine.c */
const char *engine_hostname(const struct engine *e);
int engine_is_live(const struct engine *e);
int engine_idname(struct engine *e, const struct proc *p, int64_t id, int is_group, char *buf,
                  size_t n);
/* pid's capability set through the caps hook; 0 when not live or unknown. */
int engine_caps(struct engine *e, int64_t pid, enum engine_capset which, uint64_t *caps);
/* Index of a slot for a field reference (deduplicated by key); -1 when
 * out of memory. */
int engine_slot(struct engine *e, const struct fref *r);
/* Value of a slot for the current event (extracted at most once). */
const struct eslot *engine_slot_get(struct engine *e, int slot);
/* Hash (sets_hash) of a present string slot value, computed once per event. */
uint64_t engine_slot_hash(struct engine *e, int slot);

/* rulestats.c: one rule's evaluation with its time measured. */
int rulestats_eval_timed(struct engine *e, struct rl_rule *r);

/* diag.c */
void diag_add(struct engine_diag *d, enum engine_diag_level lvl, const struct src_pos *pos,
              const char *item_type, const char *item_name, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Copies every entry of src to the end of dst. */
void diag_append(struct engine_diag *dst, const struct engine_diag *src);
/* A point in d's entries to drop what follows it (diag_rollback): the
 * loader's, when a document it read in part turns out broken. */
struct diag_mark {
	size_t n, errors;
};
void diag_mark(const struct engine_diag *d, struct diag_mark *m);
void diag_rollback(struct engine_diag *d, const struct diag_mark *m);

/* loader.c: parses one YAML text into the collection; file-level atomic. */
int loader_add_text(struct engine *e, const char *file, const char *text, size_t len,
                    struct engine_diag *d);

/* expand.c → compile.c: compiles every rule (macros, lists and
 * exceptions expanded first); returns the number of errors added to d. */
int ccomp_rules(struct engine *e, struct engine_diag *d);
void ccomp_free_checks(struct engine *e);
/* eval.c: evaluates a compiled condition for the current event. */
int ccomp_eval(struct engine *e, const struct enode *n);

/* evtidx.c: event-type ids, sets and the per-type buckets. */
/* Id of an event-type name (added when add and room), EVT_OTHER if none. */
int engine_evt_id(struct engine *e, const char *name, int add);
/* 1 when name is a syscall of x86_64, i386 or aarch64, or one of Falco's
 * other event names (procexit, container ...). */
int evtidx_known_name(const char *name);
/* Fills the id table with the syscall names of x86_64, i386, aarch64. */
void evtidx_init(struct engine *e);
void evtset_all(struct evtset *s);
void evtset_none(struct evtset *s);
void evtset_set(struct evtset *s, int id);
int evtset_has(const struct evtset *s, int id);
void evtset_not(struct evtset *s);
void evtset_and(struct evtset *a, const struct evtset *b);
void evtset_or(struct evtset *a, const struct evtset *b);
/* Event types a condition can match (negation pushed to the leaves). */
void evtset_of_cond(struct engine *e, const struct cnode *n, int neg, struct evtset *out);
void evtset_print(const struct engine *e, const struct evtset *s, FILE *out);
/* Fills e->buckets and e->all_active from the active rules; -1 when out
 * of memory (a rule missing from a bucket would never be evaluated). */
int evtidx_build(struct engine *e);

/* resolver.c: host names of conditions (see engine_set_resolver). */
struct eresolver;
/* The default resolve hook: getaddrinfo(), duplicates left out. */
int resolver_getaddrinfo(void *arg, const char *name, struct engine_addr *out, int max);
/* Live, after compiling: starts the thread when e has host-name checks;
 * without a thread the names are resolved now. */
void resolver_start(struct engine *e);
/* Stops the thread (joined when idle, left to finish and free itself when
 * in a resolution); frees what it owns. */
void resolver_stop(struct engine *e);
/* 1 when (fam, addr) is one of the addresses of host-name check slot. */
int resolver_has(struct eresolver *r, int slot, int fam, const unsigned char *addr);

/* format.c */
/* fmt, then nextra extra fields ("proc.name" or "%proc.name") that go to
 * the alert's fields without printing. */
struct ofmt *ofmt_compile(struct engine *e, const char *fmt, const char *const *extra, int nextra,
                          const struct src_pos *pos, const char *rule, struct engine_diag *d,
                          int *err);
int ofmt_count_fields(const struct ofmt *f);
/* Renders into e->outbuf and fills fields[0..count). */
const char *ofmt_render(struct engine *e, const struct ofmt *f, struct alert_field *fields);

#endif
