/*
 * engine.h — kestrel's Falco-compatible rule engine: load rule files,
 * compile them, evaluate normalized events and hand alerts to the outputs.
 *
 * The engine works in phases, one file (or family) each, as a compiler:
 * loader.c / loader_rule.c read YAML rule files into lists, macros and
 * rules; lex.c and parse.c turn a condition into a tree (parse.h); expand.c
 * substitutes lists and macros and folds exceptions in; compile.c generates
 * evaluable checks (ccomp.h) that eval.c runs per event; evtidx.c derives
 * each rule's event types and keeps the per-type rule buckets; fields.c
 * holds the field table, with extractors by class in fields_evt.c,
 * fields_proc.c, fields_user.c, fields_fd.c and fields_container.c, and
 * Falco's other fields (supplied or skipped) in fields_falco.c; xform.c
 * checks transformers and runs join/concat/getopt; format.c renders outputs;
 * rulestats.c reads out and prints the per-rule and per-event-type
 * counters; engine.c ties them together behind this API
 * and evalproc.c plugs in the process table. The engine reads no /proc
 * itself: process facts come through engine_procsrc and the hooks below.
 *
 * Life cycle: engine_new() → setters → engine_load() (or engine_add_file/
 * engine_add_buffer + engine_compile) → engine_eval() per event →
 * engine_free(). A failed load leaves the engine unusable: the daemon keeps
 * its previous engine and builds a new one on reload.
 *
 * Memory: the engine owns everything it loaded; a diag list is owned by
 * its creator (engine_diag_free). Alerts passed to the emit callback are
 * valid only during the call.
 */
#ifndef KESTREL_ENGINE_H
#define KESTREL_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/alert.h"
#include "event/kevent.h"

struct proc;
struct proc_table;
struct container_info;
struct engine;

/* Version reported to `required_engine_version` checks (Falco's numbering,
 * so upstream rule files accept it). */
#define ENGINE_VERSION "0.63.0"
/* Default text appended to every rule output (Falco's container plugin
 * suggested output). */
#define ENGINE_DEFAULT_APPEND_OUTPUT                                                               \
	"container_id=%container.id container_name=%container.name "                               \
	"container_image=%container.image.repository"

/* ---- Diagnostics: errors and warnings with file:line:column ---- */
enum engine_diag_level { ENGINE_DIAG_ERROR, ENGINE_DIAG_WARNING, ENGINE_DIAG_NOTE };

struct engine_diag_entry {
	enum engine_diag_level level;
	const char *file;      /* NULL when not tied to a file */
	int line, col;         /* 1-based, 0 when unknown */
	const char *item_type; /* "rule", "macro", "list", ... or NULL */
	const char *item_name;
	const char *msg;
};

struct engine_diag;
struct engine_diag *engine_diag_new(void);
void engine_diag_free(struct engine_diag *d);
size_t engine_diag_count(const struct engine_diag *d);
size_t engine_diag_errors(const struct engine_diag *d);
const struct engine_diag_entry *engine_diag_get(const struct engine_diag *d, size_t i);
/* "file:line:col: error: rule 'X': message" — one line per entry. */
void engine_diag_format(const struct engine_diag_entry *e, char *buf, size_t n);
void engine_diag_print(const struct engine_diag *d, FILE *out);
/* 1 if some entry's formatted text contains `needle`. */
int engine_diag_contains(const struct engine_diag *d, const char *needle);

/* ---- Construction and loading ---- */
enum engine_matching { ENGINE_MATCH_FIRST = 0, ENGINE_MATCH_ALL };

struct engine *engine_new(void);
void engine_free(struct engine *e);
void engine_set_matching(struct engine *e, enum engine_matching m);
/* Rules less severe than p are not loaded (Falco's `priority`). */
void engine_set_min_priority(struct engine *e, enum priority p);
enum priority engine_min_priority(const struct engine *e);
/* Text appended to every output (NULL or "" for none); before compile. */
int engine_set_append_output(struct engine *e, const char *fmt);
/* One append_output entry with a match (Falco's configuration): format is
 * appended to the output of the rules it matches, and extra_fields (field
 * names) are added to their alerts' fields without appearing in the text.
 * A rule matches when it has the name match_rule, the source match_source
 * and every tag of match_tags; NULL/0 members match any rule. Strings are
 * copied. Before compile; -1 when out of memory. */
struct engine_append {
	const char *match_rule, *match_source;
	const char *const *match_tags;
	int nmatch_tags;
	const char *format; /* NULL: none */
	const char *const *extra_fields;
	int nextra_fields;
};
int engine_add_append_output(struct engine *e, const struct engine_append *a);
/* Allow asking this machine about live processes for fields audit records
 * lack (thread.cap_effective, through engine_set_caps). Off by default
 * (replay). */
void engine_set_live(struct engine *e, int live);
/* Replay, before engine_compile(): a host-name check resolves its names at
 * its first evaluation instead of while compiling, once (the replay stays
 * deterministic; a name that does not resolve warns then). A replay whose
 * events never reach such a check never waits on DNS: with the upstream
 * rules a start-up saved the lookup's time, or a resolver's timeout. */
void engine_set_lazy_hostnames(struct engine *e, int lazy);

/* Host names written in conditions (fd.sip.name = NAME, ...): a check
 * holds when the connection's address is one of NAME's addresses. In
 * replay and validation (not live) the names are resolved while the rules
 * compile, once (deterministic; a name that does not resolve warns), or
 * at their first evaluation (engine_set_lazy_hostnames). Live,
 * a resolver thread owned by the engine resolves them off the compile
 * path: first right after engine_compile(), then every
 * ENGINE_DNS_REFRESH_S. Until its first resolution a name matches nothing;
 * a refresh that fails empties its addresses, as Falco's DNS manager does
 * (a name that stops resolving matches nothing until it resolves again);
 * the first failure of each name is logged once. engine_free() stops the
 * thread without waiting for a resolution in progress. */
#define ENGINE_DNS_REFRESH_S 60
/* At most this many addresses per host-name check (all its names). */
#define ENGINE_MAX_NAME_ADDRS 64
struct engine_addr {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
};
/* Fills out[0..max) with name's addresses; returns how many, or -1 when
 * the name does not resolve. Called from the resolver thread live. */
typedef int (*engine_resolve_fn)(void *arg, const char *name, struct engine_addr *out, int max);
/* Default: getaddrinfo(). Before engine_compile(); for tests. */
void engine_set_resolver(struct engine *e, engine_resolve_fn fn, void *arg);
/* Live refresh period in ms (default ENGINE_DNS_REFRESH_S * 1000); before
 * engine_compile(); for tests. */
void engine_set_dns_refresh_ms(struct engine *e, unsigned ms);
/* Resolution passes the resolver thread has completed (0 when none or
 * no thread). */
uint64_t engine_dns_passes(struct engine *e);
/* Rule selection applied after loading, in call order (Falco's `rules:`
 * config): pattern is a rule name with '*' wildcards, or a tag when by_tag. */
int engine_select(struct engine *e, const char *pattern, int by_tag, int enable);

/* The command line's rule selection (Falco's -t TAG: only rules tagged
 * TAG; -T TAG: not rules tagged TAG; -D TEXT: not rules whose name contains
 * TEXT), recorded once by main() and applied by engine_compile() after the
 * engine's own engine_select() calls, in every engine the process builds
 * (reloads too). Returns -1 when more than ENGINE_CLI_MAX_SELECT. */
#define ENGINE_CLI_MAX_SELECT 64
enum engine_cli_sel { ENGINE_SEL_ONLY_TAG, ENGINE_SEL_NOT_TAG, ENGINE_SEL_NOT_NAME };
int engine_cli_select(enum engine_cli_sel kind, const char *arg);

/* Adds one file or directory (*.yaml, *.yml sorted). A file with errors is
 * rejected whole and all its errors go to d. Returns 0 or -1. */
int engine_add_path(struct engine *e, const char *path, struct engine_diag *d);
/* Same for in-memory text; name is used in messages. */
int engine_add_buffer(struct engine *e, const char *name, const char *text, size_t len,
                      struct engine_diag *d);
/* Compiles everything added (macros, lists, exceptions, fields, outputs)
 * and builds the event-type index. Returns 0, or -1 when any error. */
int engine_compile(struct engine *e, struct engine_diag *d);
/* engine_add_path for each path, then engine_compile. */
int engine_load(struct engine *e, const char *const *paths, size_t n, struct engine_diag *d);

/* ---- Introspection ---- */
size_t engine_rule_count(const struct engine *e);
struct engine_rule_info {
	const char *name, *desc, *source, *output, *condition; /* condition as written (+appends) */
	enum priority priority;
	int enabled;             /* after selection */
	int active;              /* compiled and evaluated */
	const char *skip_reason; /* why not active, or NULL */
	int ntags;
	const char *const *tags;
};
int engine_rule_info(const struct engine *e, size_t i, struct engine_rule_info *out);
/* Index of a rule by name, or -1. */
long engine_rule_find(const struct engine *e, const char *name);
/* Prints the expanded condition (macros and lists substituted). */
void engine_rule_print_condition(const struct engine *e, size_t i, FILE *out);
/* Prints the rule's event types ("execve execveat", or "<all>"). */
void engine_rule_print_evttypes(const struct engine *e, size_t i, FILE *out);
/* Number of active rules. */
size_t engine_active_count(const struct engine *e);
/* Syscall names needed by the active rules, at most max written to names
 * (pointers owned by the engine). Returns the total count; *all is set
 * when some active rule can match any syscall. */
size_t engine_syscalls(const struct engine *e, const char **names, size_t max, int *all);

/* ---- Evaluation ---- */
/* How the engine reaches process context; proc_table in production (see
 * engine_eval), fakes in tests. Any member may be NULL. */
struct engine_procsrc {
	const struct proc *(*self)(void *ctx, const struct kevent *ev);
	const struct proc *(*get)(void *ctx, int64_t pid);
	const struct proc *(*parent)(void *ctx, const struct proc *p);
	const struct container_info *(*container)(void *ctx, const struct proc *p);
};

/* uid/gid → name for user.name, group.name, user.loginname. Returns 1 and
 * fills buf, or 0 when unknown. p may be NULL. */
typedef int (*engine_idname_fn)(void *arg, const struct proc *p, int64_t id, int is_group,
                                char *buf, size_t n);
/* Default: the host's passwd/group databases (getpwuid_r). */
void engine_set_idname(struct engine *e, engine_idname_fn fn, void *arg);

/* Capability sets for thread.cap_effective, cap_permitted, cap_inheritable. */
enum engine_capset { ENGINE_CAP_EFFECTIVE, ENGINE_CAP_PERMITTED, ENGINE_CAP_INHERITABLE };
/* pid's capability set (bit N = capability N): returns 1 and fills *caps,
 * or 0 when unknown. Asked only in live mode (engine_set_live). */
typedef int (*engine_caps_fn)(void *arg, int64_t pid, enum engine_capset which, uint64_t *caps);
/* Default: this machine's process, through proc_read_caps() (src/proc). */
void engine_set_caps(struct engine *e, engine_caps_fn fn, void *arg);

typedef void (*engine_emit_fn)(const struct alert *a, void *arg);

/* Evaluates one event; calls emit for each firing rule (one with
 * ENGINE_MATCH_FIRST). Returns the number of alerts. */
int engine_eval_with(struct engine *e, const struct kevent *ev, const struct engine_procsrc *ps,
                     void *psctx, engine_emit_fn emit, void *arg);
/* Same, with the process table (src/engine/evalproc.c). */
int engine_eval(struct engine *e, const struct kevent *ev, struct proc_table *pt,
                engine_emit_fn emit, void *arg);
/* Turns the event-type index off (every rule sees every event); for the
 * benchmark. */
void engine_set_index(struct engine *e, int on);

struct engine_stats {
	uint64_t events;     /* engine_eval calls */
	uint64_t rule_evals; /* rule conditions evaluated */
	uint64_t alerts;
	uint64_t extractions; /* field extractions (cache misses) */
	/* regex matches that errored out (match or depth limit, JIT stack):
	 * their rule fired anyway (fail open) and a warning was logged, at
	 * most once per rule per ENGINE_REGEX_LOG_INTERVAL_MS */
	uint64_t regex_errors;
};
#define ENGINE_REGEX_LOG_INTERVAL_MS 60000
void engine_get_stats(const struct engine *e, struct engine_stats *s);

/* ---- Per-rule and per-event-type counters (rulestats.c) ----
 * Always counted (a few increments per evaluation); evaluation time only
 * when engine_set_rule_timing() is on (two clock reads per evaluation).
 * A reload keeps counts by rule name (engine_stats_carry): a rule that
 * stays keeps counting, even with a changed condition; a removed rule's
 * counts go away with the old engine. */
struct engine_rule_stats {
	const char *name; /* owned by the engine */
	int active;
	uint64_t evals;      /* condition evaluated */
	uint64_t matches;    /* condition true (or a regex failed open): alerts raised */
	uint64_t alerts;     /* matches the outputs wrote: matches - suppressed */
	uint64_t suppressed; /* matches the outputs dropped (rate limit) */
	uint64_t time_ns;    /* evaluation time, 0 unless timing is on */
};
struct engine_evt_stats {
	const char *type; /* syscall name, "<other>" for names the engine does not know */
	uint64_t events, evals, matches;
};
void engine_set_rule_timing(struct engine *e, int on);
int engine_rule_timing(const struct engine *e);
/* Counters of rule i (0 .. engine_rule_count()-1); -1 when out of range. */
int engine_rule_stats(const struct engine *e, size_t i, struct engine_rule_stats *out);
/* The event types seen (events > 0), at most max written to out. Returns
 * the total number of such types. */
size_t engine_evt_stats(const struct engine *e, struct engine_evt_stats *out, size_t max);
/* From inside the emit callback only: the alert being emitted was dropped
 * by the outputs (rate limit); charged to its rule. */
void engine_note_suppressed(struct engine *e);
/* Adds from's counters to to's: rules by name, event types by name (an
 * unknown name goes to "<other>"), and engine_get_stats' totals. */
void engine_stats_carry(struct engine *to, const struct engine *from);

/* The rule table: every active rule (top == 0) or the top rules, by
 * evaluation time when timing is on, else by evaluations; then the event
 * types by events. ENGINE_STATS_JSON writes one line of JSON instead:
 * {"rule_stats":{"timing":B,"rules":[...],"event_types":[...]}}. */
enum engine_stats_format { ENGINE_STATS_TABLE, ENGINE_STATS_JSON };
void engine_rule_stats_print(const struct engine *e, enum engine_stats_format fmt, size_t top,
                             FILE *out);

#endif
