/*
 * runtime.c — builds and runs the chain behind every source: each
 * normalized event updates the process table, is evaluated by the rule
 * engine, and each alert goes to the outputs. Replay and the live daemon
 * share this file; only where records come from differs.
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/runtime.h"
#include "event/kevent_json.h"
#include "output/output.h"
#include "proc/container.h"
#include "proc/proc.h"
#include "proc/proctable_ext.h"
#include "proc/users.h"
#include "util/log.h"
#include "util/clock.h"

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
	int64_t self_pid; /* kestrel's pid: its own events are dropped (counted) */
	uint64_t self_events;
	uint64_t last_expire_ms; /* runtime_tick: last process-table expiry */
	runtime_alert_hook hook; /* runtime_set_alert_hook */
	void *hook_arg;
	/* RUNTIME_LIVE_SCAN: the /proc scan runs in scan_thread while the
	 * rules load; nothing else touches procs until runtime_scan_procs()
	 * joins it (scan_result is written by the thread before it ends). */
	pthread_t scan_thread;
	int scan_running;
	int scan_result;
	uint64_t scan_cpu_ns; /* the thread's CPU time (runtime_scan_cpu_ns) */
};

/* --rule-stats (runtime_set_rule_stats). */
static enum runtime_rule_stats rule_stats_mode;

void runtime_set_rule_stats(enum runtime_rule_stats mode)
{
	rule_stats_mode = mode;
}

enum runtime_rule_stats runtime_rule_stats(void)
{
	return rule_stats_mode;
}

void runtime_print_rule_stats(struct runtime *rt, size_t top, FILE *out)
{
	engine_rule_stats_print(rt->engine,
	                        rule_stats_mode == RUNTIME_RULE_STATS_JSON ? ENGINE_STATS_JSON
	                                                                   : ENGINE_STATS_TABLE,
	                        top, out);
}

/* An alert of the engine: counted, then to the outputs; one their rate
 * limit drops is charged to its rule (engine_note_suppressed). */
static void on_alert(const struct alert *a, void *arg)
{
	struct runtime *rt = arg;

	rt->alerts++;
	if (rt->hook)
		rt->hook(a, rt->hook_arg);
	if (outputs_emit(rt->outputs, a))
		engine_note_suppressed(rt->engine);
}

void runtime_set_alert_hook(struct runtime *rt, runtime_alert_hook hook, void *arg)
{
	rt->hook = hook;
	rt->hook_arg = arg;
}

static void on_event(struct kevent *ev, void *arg)
{
	struct runtime *rt = arg;

	/* kestrel's own syscalls reach it only through rules it did not
	 * write (its own exclude its pid): they say nothing about the host */
	if (rt->live && ev->pid == rt->self_pid) {
		rt->self_events++;
		return;
	}
	proc_table_update(rt->procs, ev);
	if (rt->print_events)
		kevent_print_json(ev, stdout);
	if (ev->has_syscall)
		engine_eval(rt->engine, ev, rt->procs, on_alert, rt);
}

/* user.name / group.name in the process's own root (containers). A process
 * that already exited has no root to read: its parent's root is the next
 * best, and a host process falls back to the host's databases (kestrel's
 * own root: /proc/1/root may be closed to it; in replay, the best guess for
 * a recorded log). */
static int idname(void *arg, const struct proc *p, int64_t id, int is_group, char *buf, size_t n)
{
	struct runtime *rt = arg;
	const char *name = NULL;
	int64_t pids[2] = {-1, -1};

	if (rt->live && p) {
		/* replay: this machine's /proc says nothing about recorded processes */
		pids[0] = p->pid;
		pids[1] = p->ppid;
	}
	for (int i = 0; i < 2 && !name; i++)
		if (pids[i] > 0)
			name = is_group ? user_cache_group(rt->users, pids[i], id)
					: user_cache_name(rt->users, pids[i], id);
	if (!name && (!p || !rt->live || proc_table_container(rt->procs, p) == &container_host))
		name = is_group ? user_cache_group(rt->users, rt->self_pid, id)
				: user_cache_name(rt->users, rt->self_pid, id);
	if (!name)
		return 0;
	snprintf(buf, n, "%s", name);
	return 1;
}

/* The engine's append_output: Falco's suggested container fields, then
 * every global extra_output of the configuration. */
static char *append_output_text(const struct kestrel_config *cfg)
{
	size_t len = 1;
	char *s;

	if (cfg->suggested_output)
		len += strlen(ENGINE_DEFAULT_APPEND_OUTPUT) + 1;
	for (int i = 0; i < cfg->nappend_output; i++)
		if (cfg->append_output[i].extra_output)
			len += strlen(cfg->append_output[i].extra_output) + 1;
	s = calloc(1, len);
	if (!s)
		return NULL;
	if (cfg->suggested_output)
		strcat(s, ENGINE_DEFAULT_APPEND_OUTPUT);
	for (int i = 0; i < cfg->nappend_output; i++) {
		const struct config_append_output *ao = &cfg->append_output[i];
		if (!ao->extra_output)
			continue;
		if (ao->match_rule || ao->match_source || ao->nmatch_tags)
			log_warnx("append_output: entries with 'match' are not supported yet; "
				  "'%s' is not appended",
				  ao->extra_output);
		else {
			if (s[0])
				strcat(s, " ");
			strcat(s, ao->extra_output);
		}
	}
	return s;
}

struct engine *runtime_build_engine(const struct kestrel_config *cfg, enum runtime_engine_use use)
{
	struct engine *e = engine_new();
	struct engine_diag *d = engine_diag_new();
	char *ao = append_output_text(cfg);
	int rc;

	if (!e || !d || !ao) {
		log_warnx("out of memory building the rule engine");
		engine_free(e);
		engine_diag_free(d);
		free(ao);
		return NULL;
	}
	engine_set_matching(e, cfg->rule_matching == CONFIG_MATCH_ALL ? ENGINE_MATCH_ALL
								     : ENGINE_MATCH_FIRST);
	engine_set_min_priority(e, (enum priority)cfg->priority);
	engine_set_live(e, use == RUNTIME_ENGINE_LIVE);
	engine_set_lazy_hostnames(e, use == RUNTIME_ENGINE_REPLAY);
	/* kestrel.yaml's rule_stats, when the command line did not choose */
	if (rule_stats_mode == RUNTIME_RULE_STATS_OFF && cfg->rule_stats != CONFIG_RS_OFF)
		rule_stats_mode = cfg->rule_stats == CONFIG_RS_JSON ? RUNTIME_RULE_STATS_JSON
								      : RUNTIME_RULE_STATS_TABLE;
	engine_set_rule_timing(e, rule_stats_mode != RUNTIME_RULE_STATS_OFF);
	/* Falco's `rules:` selection: recorded now, applied after loading */
	for (int i = 0; i < cfg->nrules_select; i++) {
		const struct config_rule_select *rs = &cfg->rules_select[i];
		engine_select(e, rs->rule ? rs->rule : rs->tag, rs->rule == NULL, rs->enable);
	}
	rc = engine_set_append_output(e, ao);
	free(ao);
	if (rc == 0)
		rc = engine_load(e, (const char *const *)cfg->rules_files, (size_t)cfg->nrules_files,
				 d);
	for (size_t i = 0; i < engine_diag_count(d); i++) {
		char line[1024];
		const struct engine_diag_entry *de = engine_diag_get(d, i);
		engine_diag_format(de, line, sizeof(line));
		if (de->level == ENGINE_DIAG_ERROR)
			log_errx("%s", line);
		else if (de->level == ENGINE_DIAG_WARNING)
			log_warnx("%s", line);
		else
			log_info("%s", line);
	}
	engine_diag_free(d);
	if (rc < 0) {
		engine_free(e);
		return NULL;
	}
	return e;
}

void runtime_swap_engine(struct runtime *rt, struct engine *e)
{
	engine_set_idname(e, idname, rt);
	engine_stats_carry(e, rt->engine);
	engine_free(rt->engine);
	rt->engine = e;
}

/* The scan thread: the process table alone (proc_table_scan touches the
 * table and its own procfs buffers, no cache, no log), while the main
 * thread loads the rules, builds the outputs and the pipeline. */
static void *scan_main(void *arg)
{
	struct runtime *rt = arg;
	struct timespec ts;

	rt->scan_result = proc_table_scan(rt->procs);
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
		rt->scan_cpu_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	return NULL;
}

/* Starts the scan thread; when no thread can be made the scan is left to
 * runtime_scan_procs(), as without RUNTIME_LIVE_SCAN. */
static void scan_start(struct runtime *rt)
{
	sigset_t all, old;
	int rc;

	/* all signals blocked in the thread: they belong to the event loop */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&rt->scan_thread, NULL, scan_main, rt);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		log_warnx("/proc scan thread: %s; scanning after the rules load", strerror(rc));
	rt->scan_running = rc == 0;
}

/* Builds every stage of rt; -1 with err filled (rt is then freed by the caller). */
static int runtime_build(struct runtime *rt, struct kestrel_config *cfg, int mode, char *err,
			 size_t errlen)
{
	struct container_roots roots;
	int live = mode != RUNTIME_REPLAY;

	rt->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	rt->live = live;
	rt->self_pid = getpid();

	roots.docker = rt->cfg.container_docker_root;
	roots.containerd = rt->cfg.container_containerd_root;
	roots.crio = rt->cfg.container_crio_root;
	roots.podman = rt->cfg.container_podman_root;
	rt->containers = container_cache_new(&roots);
	rt->users = user_cache_new("/proc");
	rt->procs = proc_table_new(live ? PROC_TABLE_LIVE : PROC_TABLE_REPLAY);
	if (!rt->containers || !rt->users || !rt->procs) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	proc_table_set_container_cache(rt->procs, rt->containers);
	if (mode == RUNTIME_LIVE_SCAN)
		scan_start(rt); /* from here on, procs is the thread's */

	rt->engine = runtime_build_engine(&rt->cfg, live ? RUNTIME_ENGINE_LIVE : RUNTIME_ENGINE_REPLAY);
	if (!rt->engine) {
		snprintf(err, errlen, "the rules could not be loaded (errors above)");
		return -1;
	}
	engine_set_idname(rt->engine, idname, rt);

	rt->outputs = outputs_new(&rt->cfg.out, err, errlen);
	if (!rt->outputs)
		return -1;
	if (pipeline_init(&rt->pipe, live ? ASM_LIVE : ASM_REPLAY, on_event, rt) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

struct runtime *runtime_new(struct kestrel_config *cfg, int mode, char *err, size_t errlen)
{
	struct runtime *rt = calloc(1, sizeof(*rt));

	if (!rt) {
		snprintf(err, errlen, "out of memory");
		config_free(cfg);
		return NULL;
	}
	if (runtime_build(rt, cfg, mode, err, errlen) < 0) {
		runtime_free(rt);
		return NULL;
	}
	return rt;
}

void runtime_free(struct runtime *rt)
{
	if (!rt)
		return;
	if (rt->scan_running)
		pthread_join(rt->scan_thread, NULL);
	pipeline_fini(&rt->pipe);
	if (rt->outputs)
		outputs_free(rt->outputs);
	engine_free(rt->engine);
	proc_table_free(rt->procs);
	container_cache_free(rt->containers);
	user_cache_free(rt->users);
	config_free(&rt->cfg);
	free(rt);
}

struct pipeline *runtime_pipeline(struct runtime *rt)
{
	return &rt->pipe;
}

const struct kestrel_config *runtime_config(const struct runtime *rt)
{
	return &rt->cfg;
}

struct engine *runtime_engine(struct runtime *rt)
{
	return rt->engine;
}

struct outputs *runtime_outputs(struct runtime *rt)
{
	return rt->outputs;
}

void runtime_set_print_events(struct runtime *rt, int on)
{
	rt->print_events = on;
}

int runtime_print_events(const struct runtime *rt)
{
	return rt->print_events;
}

int runtime_scan_procs(struct runtime *rt)
{
	if (!rt->scan_running)
		return proc_table_scan(rt->procs);
	pthread_join(rt->scan_thread, NULL);
	rt->scan_running = 0;
	return rt->scan_result;
}

uint64_t runtime_scan_cpu_ns(const struct runtime *rt)
{
	return rt->scan_running ? 0 : rt->scan_cpu_ns;
}

struct proc_table *runtime_procs(struct runtime *rt)
{
	return rt->procs;
}

void runtime_get_stats(struct runtime *rt, struct runtime_stats *out)
{
	struct proc_table_stats pts;

	if (rt->scan_running) /* a start-up that failed before the join */
		runtime_scan_procs(rt);
	memset(out, 0, sizeof(*out));
	out->pipe = *pipeline_get_stats(&rt->pipe);
	out->alerts = rt->alerts;
	out->self_events = rt->self_events;
	proc_table_get_stats(rt->procs, &pts);
	out->processes = pts.live;
	out->rules_active = rt->engine ? engine_active_count(rt->engine) : 0;
}

void runtime_tick(struct runtime *rt, uint64_t now_ms)
{
	pipeline_tick(&rt->pipe, now_ms);
	if (rt->last_expire_ms == 0)
		rt->last_expire_ms = now_ms;
	if (now_ms - rt->last_expire_ms >= PROC_EXPIRE_INTERVAL_NS / 1000000) {
		rt->last_expire_ms = now_ms;
		proc_table_expire(rt->procs, clock_realtime_ns());
	}
}
