/*
 * metrics.h — kestrel's counters for /metrics (Prometheus text format) and
 * /healthz. Two halves, two threads:
 *  - alert counts by rule and priority, bumped in the alert path (event
 *    loop thread only), bounded: at most METRICS_MAX_RULES distinct
 *    (rule, priority) pairs, the rest counted under rule "(other)";
 *  - a snapshot the event loop publishes on every tick (metrics_publish,
 *    under a mutex) and the HTTP thread renders (metrics_render, under the
 *    same mutex), with the engine's per-rule counters copied in
 *    (metrics_publish_rules). The HTTP thread never touches the live
 *    counters.
 *
 * Memory: metrics_new() allocates; metrics_free() frees. Rule names are
 * copied once and kept until metrics_free() (they outlive reloads).
 */
#ifndef KESTREL_DAEMON_METRICS_H
#define KESTREL_DAEMON_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "daemon/integrity.h"

/* Distinct (rule, priority) pairs counted by name. */
#define METRICS_MAX_RULES 4096
/* /healthz fails when the last snapshot is older than this (a wedged loop). */
#define METRICS_STALE_MS 10000

/* Everything but the per-rule counts, filled by the daemon on each tick. */
struct metrics_values {
	uint64_t taken_ms; /* monotonic time of the snapshot */
	uint64_t start_wall_s;
	uint64_t records, events, incomplete, malformed, self_events;
	uint64_t alerts, suppressed, write_errors, http_failed, http_dropped, truncated;
	uint64_t kernel_lost, enobufs, duplicates, lost_alerts;
	uint64_t processes, rules_active, kernel_rules, kernel_rules_restored;
	uint64_t fd_evictions, fd_local_lookups, fd_local_misses; /* src/proc/fdtable.c */
	int64_t backlog, backlog_limit, audit_enabled; /* -1: not read yet */
	const char *source_mode;                       /* a static string */
	struct integrity_stats integrity;
};

struct metrics;

struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);

/* Alert path (event loop thread): one alert of rule at priority (enum priority). */
void metrics_count_alert(struct metrics *m, const char *rule, int priority);

/* Event loop: copy v and the per-rule counts into the snapshot. */
void metrics_publish(struct metrics *m, const struct metrics_values *v);

/* One rule's engine counters (engine_rule_stats) for /metrics. */
struct metrics_rule {
	const char *rule;
	uint64_t evals, matches, alerts, suppressed;
};
/* Event loop: the rules' counters, copied (names too) into the snapshot,
 * replacing the previous ones (a rule removed by a reload disappears).
 * Returns -1 when out of memory (the previous copy stays). */
int metrics_publish_rules(struct metrics *m, const struct metrics_rule *r, size_t n);

/* HTTP thread: the snapshot as Prometheus text on f. */
void metrics_render(struct metrics *m, FILE *f);

/* HTTP thread: 1 when the event loop published within METRICS_STALE_MS of
 * now_ms (monotonic), with the age in *age_ms. */
int metrics_healthy(struct metrics *m, uint64_t now_ms, uint64_t *age_ms);

/* A Prometheus label value with \\, \" and \n escaped (into buf). */
void metrics_escape_label(const char *s, char *buf, size_t len);

#endif
