/*
 * runtime.h — everything one kestrel run holds, wired in pipeline order:
 * configuration, rule engine, process table with container and user
 * context, outputs, and the record pipeline feeding them. Replay and the
 * live daemon build the same runtime; only the source differs.
 *
 * Memory: runtime_init() allocates every member; runtime_fini() frees them.
 * The configuration is owned by the runtime (moved in by runtime_init).
 */
#ifndef KESTREL_RUNTIME_H
#define KESTREL_RUNTIME_H

#include <stdint.h>

#include "daemon/kconfig.h"
#include "daemon/pipeline.h"
#include "engine/engine.h"

struct outputs;
struct proc_table;
struct container_cache;
struct user_cache;

/* Room for the paths of rules_files and -r. */
#define RUNTIME_MAX_RULE_PATHS 64

struct runtime {
	struct kestrel_config cfg;
	int live;         /* 1: live capture (reads /proc), 0: replay */
	int print_events; /* --print-events: one JSON line per event on stdout */
	struct engine *engine;
	struct outputs *outputs;
	struct proc_table *procs;
	struct container_cache *containers;
	struct user_cache *users;
	struct pipeline pipe;
	uint64_t alerts;
	int rules_removed;       /* a CONFIG_CHANGE record removed kestrel's kernel rules
				  * (set by the daemon per record): check them */
	int64_t self_pid;        /* kestrel's pid: its own events are dropped (counted) */
	uint64_t self_events;
};

/*
 * Builds the runtime from cfg (moved into rt; do not free it after).
 * Loads and compiles the rules of cfg->rules_files; every diagnostic goes
 * to the log. Returns 0, or -1 with a reason in err.
 */
int runtime_init(struct runtime *rt, struct kestrel_config *cfg, int live, char *err,
		 size_t errlen);
void runtime_fini(struct runtime *rt);

/*
 * A new engine with cfg's settings and rules. Returns NULL when a rules
 * file has errors (all of them logged). Used at start and on SIGHUP.
 */
struct engine *runtime_build_engine(const struct kestrel_config *cfg, int live);

/* Replace the engine (reload); frees the old one. */
void runtime_swap_engine(struct runtime *rt, struct engine *e);

#endif
