/*
 * daemon_stats.c — what the live daemon reports about itself: lost
 * records (kernel backlog, socket overflow) as log lines and the "Kestrel
 * events lost" alert, the statistics line, and the /metrics snapshot with
 * the webserver that serves it (metrics.h, webserver.h).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/daemon_int.h"
#include "daemon/integrity.h"
#include "daemon/metrics.h"
#include "daemon/service.h"
#include "daemon/webserver.h"
#include "kernel/kaudit.h"
#include "kernel/krules.h"
#include "output/output.h"
#include "proc/fdtable.h"
#include "source/netlink.h"
#include "util/log.h"
#include "util/clock.h"

#define DAEMON_STATS_ERRLEN 256

uint64_t daemon_now_ms(void)
{
	return clock_monotonic_ms();
}

uint64_t daemon_wall_ns(void)
{
	return clock_realtime_ns();
}

/* kestrel's own alert, so a reader of the alert stream sees the gap. */
static void emit_lost_alert(struct daemon *d, const char *what, uint64_t n)
{
	char out[256];
	struct alert a = {0};
	static const char *const tags[] = {"kestrel", "internal"};
	struct alert_field f[2];

	snprintf(out, sizeof(out), "%s: %" PRIu64 " audit records were lost (%s)", DAEMON_LOST_RULE,
	         n, what);
	f[0] = (struct alert_field){.name = "kestrel.lost", .type = AV_INT, .num = (int64_t)n};
	f[1] = (struct alert_field){.name = "kestrel.lost_source", .type = AV_STRING, .str = what};
	a.time_ns = daemon_wall_ns();
	a.rule = DAEMON_LOST_RULE;
	a.priority = PRI_CRITICAL;
	a.source = "internal";
	a.ntags = 2;
	a.tags = tags;
	a.output = out;
	a.nfields = 2;
	a.fields = f;
	d->lost_alerts++;
	if (d->metrics)
		metrics_count_alert(d->metrics, DAEMON_LOST_RULE, PRI_CRITICAL);
	outputs_emit(runtime_outputs(d->rt), &a);
}

void daemon_poll_lost(struct daemon *d)
{
	struct audit_status st;
	const struct audit_source_stats *ss = d->src ? audit_source_stats(d->src) : NULL;

	if (kaudit_status(&st) == 0) {
		d->backlog = st.backlog;
		d->backlog_limit = st.backlog_limit;
		d->audit_enabled = st.enabled;
		if (d->ig)
			integrity_on_status(d->ig, runtime_outputs(d->rt), st.enabled,
			                    daemon_now_ms());
		if (d->have_lost && st.lost != d->last_lost) {
			uint32_t delta = st.lost - d->last_lost;
			d->kernel_lost_total += delta;
			log_warnx("the kernel lost %" PRIu32 " audit records (lost=%" PRIu32
			          ", backlog=%" PRIu32 "/%" PRIu32 ")",
			          delta, st.lost, st.backlog, st.backlog_limit);
			emit_lost_alert(d, "kernel backlog", delta);
		}
		d->last_lost = st.lost;
		d->have_lost = 1;
	}
	if (ss && ss->enobufs != d->last_enobufs) {
		uint64_t delta = ss->enobufs - d->last_enobufs;
		log_warnx("the audit socket overflowed %" PRIu64 " times (ENOBUFS)", delta);
		emit_lost_alert(d, "socket overflow (ENOBUFS)", delta);
		d->last_enobufs = ss->enobufs;
	}
}

/* --rule-stats: the rule table (or JSON line) after the stats line, one
 * log line per table line. */
static void log_rule_stats(struct daemon *d, const char *when)
{
	char *text = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f) {
		log_warnx("rule stats (%s): out of memory", when);
		return;
	}
	runtime_print_rule_stats(d->rt, RUNTIME_RULE_STATS_TOP, f);
	if (fclose(f) != 0 || !text) {
		log_warnx("rule stats (%s): out of memory", when);
		free(text);
		return;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		log_info("%s", line);
	free(text);
}

void daemon_log_stats(struct daemon *d, const char *when)
{
	const struct audit_source_stats *ss = d->src ? audit_source_stats(d->src) : NULL;
	struct runtime_stats rs;
	const struct pipeline_stats *ps = &rs.pipe;
	struct outputs_stats os;
	double secs = (double)(daemon_now_ms() - d->start_ms) / 1000.0;

	runtime_get_stats(d->rt, &rs);
	outputs_stats(runtime_outputs(d->rt), &os);
	if (secs <= 0)
		secs = 1e-3;
	log_info("stats (%s): %.0f s, records=%" PRIu64 " (%.0f/s) events=%" PRIu64
	         " (%.0f/s) incomplete=%" PRIu64 " malformed=%" PRIu64 " alerts=%" PRIu64
	         " suppressed=%" PRIu64 " kernel_lost=%" PRIu64 " enobufs=%" PRIu64
	         " write_errors=%" PRIu64 " http_failed=%" PRIu64 " http_dropped=%" PRIu64
	         " processes=%zu fd_evictions=%" PRIu64 " fd_local_misses=%" PRIu64
	         " rules_active=%zu",
	         when, secs, ps->records, (double)ps->records / secs, ps->events,
	         (double)ps->events / secs, ps->incomplete, ps->malformed, rs.alerts, os.suppressed,
	         d->kernel_lost_total, ss ? ss->enobufs : 0, os.write_errors, os.http_failed,
	         os.http_dropped, rs.processes, fdtable_evictions(), fdtable_local_misses(),
	         rs.rules_active);
	service_status("%.0f events/s, %" PRIu64 " alerts", (double)ps->events / secs, rs.alerts);
	if (runtime_rule_stats() != RUNTIME_RULE_STATS_OFF)
		log_rule_stats(d, when);
}

/* Per-rule counts of the rules' alerts (runtime's alert hook). */
static void count_alert(const struct alert *a, void *arg)
{
	metrics_count_alert(arg, a->rule, (int)a->priority);
}

int daemon_web_start(struct daemon *d)
{
	const struct kestrel_config *cfg = runtime_config(d->rt);
	char err[DAEMON_STATS_ERRLEN];

	if (!(d->metrics = metrics_new())) {
		log_warnx("metrics: out of memory");
		return -1;
	}
	runtime_set_alert_hook(d->rt, count_alert, d->metrics);
	daemon_publish(d);
	if (!cfg->web_enabled)
		return 0;
	struct webserver_opts wo = {
	    .listen_address = cfg->web_listen_address,
	    .port = cfg->web_listen_port,
	    .healthz_path = cfg->web_healthz_endpoint,
	    .prometheus = cfg->web_prometheus,
	};
	if (!(d->web = webserver_start(&wo, d->metrics, err, sizeof(err)))) {
		log_errx("%s", err);
		return -1;
	}
	log_info("webserver: http://%s:%d%s%s", wo.listen_address, wo.port, wo.healthz_path,
	         wo.prometheus ? " and /metrics" : "");
	return 0;
}

/* The engine's per-rule counters for /metrics: the active rules, and the
 * rules that counted before a reload disabled them. */
static void publish_rules(struct daemon *d)
{
	const struct engine *e = runtime_engine(d->rt);
	size_t n = 0, total = engine_rule_count(e);
	struct metrics_rule *r = calloc(total + 1, sizeof(*r));

	if (!r)
		return;
	for (size_t i = 0; i < total; i++) {
		struct engine_rule_stats rs;
		if (engine_rule_stats(e, i, &rs) < 0 || (!rs.active && !rs.evals))
			continue;
		r[n++] =
		    (struct metrics_rule){rs.name, rs.evals, rs.matches, rs.alerts, rs.suppressed};
	}
	metrics_publish_rules(d->metrics, r, n);
	free(r);
}

void daemon_publish(struct daemon *d)
{
	const struct audit_source_stats *ss = d->src ? audit_source_stats(d->src) : NULL;
	struct metrics_values v = {0};
	struct runtime_stats rs;
	struct outputs_stats os;

	if (!d->metrics)
		return;
	runtime_get_stats(d->rt, &rs);
	outputs_stats(runtime_outputs(d->rt), &os);
	v.taken_ms = daemon_now_ms();
	v.start_wall_s = d->start_wall_s;
	v.records = rs.pipe.records;
	v.events = rs.pipe.events;
	v.incomplete = rs.pipe.incomplete;
	v.malformed = rs.pipe.malformed;
	v.self_events = rs.self_events;
	v.alerts = rs.alerts;
	v.suppressed = os.suppressed;
	v.write_errors = os.write_errors;
	v.http_failed = os.http_failed;
	v.http_dropped = os.http_dropped;
	v.truncated = os.truncated;
	v.kernel_lost = d->kernel_lost_total;
	v.enobufs = ss ? ss->enobufs : 0;
	v.duplicates = ss ? ss->duplicates : 0;
	v.lost_alerts = d->lost_alerts;
	v.processes = rs.processes;
	v.rules_active = rs.rules_active;
	v.fd_evictions = fdtable_evictions();
	v.fd_local_lookups = fdtable_local_lookups();
	v.fd_local_misses = fdtable_local_misses();
	v.kernel_rules = d->kr ? krules_count(d->kr) : 0;
	v.kernel_rules_restored = d->rules_restored;
	v.backlog = d->backlog;
	v.backlog_limit = d->backlog_limit;
	v.audit_enabled = d->audit_enabled;
	v.source_mode = d->src ? audit_source_mode_name(audit_source_mode(d->src)) : NULL;
	if (d->ig)
		integrity_stats(d->ig, &v.integrity);
	metrics_publish(d->metrics, &v);
	publish_rules(d);
}

void daemon_web_stop(struct daemon *d)
{
	webserver_stop(d->web); /* joins the HTTP thread before the metrics go */
	d->web = NULL;
	if (d->rt)
		runtime_set_alert_hook(d->rt, NULL, NULL);
	metrics_free(d->metrics);
	d->metrics = NULL;
}
