/*
 * runtime.h — everything one kestrel run holds, wired in pipeline order:
 * configuration, rule engine, process table with container and user
 * context, outputs, and the record pipeline feeding them. Replay and the
 * live daemon build the same runtime; only the source differs.
 *
 * Memory: runtime_new() allocates the runtime and every stage;
 * runtime_free() frees them. The struct is private to runtime.c.
 * The configuration is owned by the runtime (moved in by runtime_new).
 */
#ifndef KESTREL_DAEMON_RUNTIME_H
#define KESTREL_DAEMON_RUNTIME_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "daemon/kconfig.h"
#include "daemon/pipeline.h"
#include "engine/engine.h"

struct outputs;
struct proc_table;
struct container_cache;
struct user_cache;

/* Room for the paths of rules_files and -r. */
#define RUNTIME_MAX_RULE_PATHS 64

struct runtime;

/* runtime_new's mode. */
enum runtime_mode {
	RUNTIME_REPLAY = 0, /* a recorded log: this machine's /proc is never read */
	RUNTIME_LIVE = 1,   /* live capture: misses read /proc */
	/* live, and the /proc scan of runtime_scan_procs() starts in a thread
	 * while the rules load (start-up: the two overlap); the table is the
	 * thread's until runtime_scan_procs() (or runtime_free) joins it */
	RUNTIME_LIVE_SCAN = 2,
};

/*
 * Builds the runtime from cfg (moved into rt; do not free it after).
 * Loads and compiles the rules of cfg->rules_files; every diagnostic goes
 * to the log. Returns NULL with a reason in err. mode: enum runtime_mode
 * (0 replay, 1 live).
 */
struct runtime *runtime_new(struct kestrel_config *cfg, int mode, char *err, size_t errlen);
/* Frees everything (NULL is fine). */
void runtime_free(struct runtime *rt);

/* The pipeline to feed records to (valid until runtime_free). */
struct pipeline *runtime_pipeline(struct runtime *rt);
const struct kestrel_config *runtime_config(const struct runtime *rt);
struct engine *runtime_engine(struct runtime *rt);
struct outputs *runtime_outputs(struct runtime *rt);

/* --print-events: one JSON line per event on stdout. */
void runtime_set_print_events(struct runtime *rt, int on);
int runtime_print_events(const struct runtime *rt);

/* Fills the process table from /proc (live start), or with
 * RUNTIME_LIVE_SCAN waits for the scan thread. Returns the processes
 * found, or -1 when /proc could not be read. */
int runtime_scan_procs(struct runtime *rt);
/* CPU time the scan thread took (RUNTIME_LIVE_SCAN, after the join): not
 * in the main thread's figures; 0 when the scan ran on the main thread. */
uint64_t runtime_scan_cpu_ns(const struct runtime *rt);
/* The process table (tests compare it with a scan of their own). */
struct proc_table *runtime_procs(struct runtime *rt);

/* Counters across the stages, for stats lines and the replay summary. */
struct runtime_stats {
	struct pipeline_stats pipe;
	uint64_t alerts;       /* alerts the rules raised */
	uint64_t self_events;  /* kestrel's own events, dropped */
	size_t processes;      /* live entries of the process table */
	size_t rules_active;   /* rules the engine evaluates */
};
void runtime_get_stats(struct runtime *rt, struct runtime_stats *out);

/*
 * The periodic work of a live run, called from the daemon's timer: emits
 * events idle longer than the assembler's timeout and expires process-table
 * entries every PROC_EXPIRE_INTERVAL_NS. now_ms is a monotonic clock.
 */
void runtime_tick(struct runtime *rt, uint64_t now_ms);

/* What an engine is built for: host names in conditions are resolved by
 * a thread (live), at their first use (replay) or while compiling (the
 * rule listings and checks of -L, -l, --print-audit-rules). */
enum runtime_engine_use {
	RUNTIME_ENGINE_CHECK = 0,
	RUNTIME_ENGINE_LIVE = 1,
	RUNTIME_ENGINE_REPLAY = 2,
};

/*
 * A new engine with cfg's settings and rules. Returns NULL when a rules
 * file has errors (all of them logged). Used at start and on SIGHUP.
 */
struct engine *runtime_build_engine(const struct kestrel_config *cfg, enum runtime_engine_use use);

/* Called with every alert the rules raise, before the outputs (the
 * daemon's per-rule counts for /metrics). NULL removes it. */
struct alert;
typedef void (*runtime_alert_hook)(const struct alert *a, void *arg);
void runtime_set_alert_hook(struct runtime *rt, runtime_alert_hook hook, void *arg);

/* Replace the engine (reload); frees the old one. The per-rule counters
 * carry over by rule name (engine_stats_carry): a removed rule's counts
 * go away with it. */
void runtime_swap_engine(struct runtime *rt, struct engine *e);

/* --rule-stats[=json]: recorded once by main() and process-wide (like
 * engine_cli_select), since the daemon builds an engine on every reload.
 * When not OFF, every engine built measures each rule's evaluation time,
 * and the replay's end and the daemon's stats lines print the rule table
 * (engine_rule_stats_print) in that format. The counts themselves are
 * always kept (/metrics). */
enum runtime_rule_stats {
	RUNTIME_RULE_STATS_OFF,
	RUNTIME_RULE_STATS_TABLE,
	RUNTIME_RULE_STATS_JSON
};
void runtime_set_rule_stats(enum runtime_rule_stats mode);
enum runtime_rule_stats runtime_rule_stats(void);
/* Rules shown by the daemon's stats lines (the replay shows them all). */
#define RUNTIME_RULE_STATS_TOP 20
/* The rule table of rt's engine on out, in the recorded format (top
 * rules; 0 for all). */
void runtime_print_rule_stats(struct runtime *rt, size_t top, FILE *out);

#endif
