/*
 * metrics.c — alert counts by rule and priority, the snapshot shared with
 * the HTTP thread under a mutex, and its Prometheus text rendering. See
 * metrics.h.
 */
#include "config.h"

#include <inttypes.h>
#include <stddef.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/metrics.h"
#include "engine/alert.h"
#include "output/format.h"

/* Open-addressing table size: a power of two above METRICS_MAX_RULES. */
#define METRICS_SLOTS 8192
#define METRICS_LABEL_MAX 512
#define METRICS_NPRI (PRI_DEBUG + 1)

struct rule_count {
	char *rule; /* NULL: empty slot */
	int priority;
	uint64_t n;
};

struct metrics {
	/* event loop thread only */
	struct rule_count *live; /* METRICS_SLOTS */
	size_t nlive;
	uint64_t other[METRICS_NPRI]; /* pairs beyond METRICS_MAX_RULES */
	/* shared, under mu */
	pthread_mutex_t mu;
	struct rule_count *snap; /* METRICS_SLOTS, names borrowed from live */
	uint64_t snap_other[METRICS_NPRI];
	struct metrics_values v;
	int published;
	struct metrics_rule *rules; /* metrics_publish_rules: one block, names after the array */
	size_t nrules;
};

struct metrics *metrics_new(void)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->live = calloc(METRICS_SLOTS, sizeof(*m->live));
	m->snap = calloc(METRICS_SLOTS, sizeof(*m->snap));
	if (!m->live || !m->snap || pthread_mutex_init(&m->mu, NULL) != 0) {
		free(m->live);
		free(m->snap);
		free(m);
		return NULL;
	}
	return m;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < METRICS_SLOTS; i++)
		free(m->live[i].rule);
	pthread_mutex_destroy(&m->mu);
	free(m->rules);
	free(m->live);
	free(m->snap);
	free(m);
}

static uint32_t hash(const char *s, int priority)
{
	uint32_t h = 2166136261u ^ (uint32_t)priority;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

void metrics_count_alert(struct metrics *m, const char *rule, int priority)
{
	if (priority < 0 || priority >= METRICS_NPRI)
		priority = METRICS_NPRI - 1;
	for (uint32_t i = hash(rule, priority) & (METRICS_SLOTS - 1);;
	     i = (i + 1) & (METRICS_SLOTS - 1)) {
		struct rule_count *c = &m->live[i];
		if (c->rule && c->priority == priority && strcmp(c->rule, rule) == 0) {
			c->n++;
			return;
		}
		if (c->rule)
			continue;
		if (m->nlive >= METRICS_MAX_RULES || !(c->rule = strdup(rule))) {
			m->other[priority]++;
			return;
		}
		c->priority = priority;
		c->n = 1;
		m->nlive++;
		return;
	}
}

void metrics_publish(struct metrics *m, const struct metrics_values *v)
{
	pthread_mutex_lock(&m->mu);
	memcpy(m->snap, m->live, METRICS_SLOTS * sizeof(*m->snap));
	memcpy(m->snap_other, m->other, sizeof(m->other));
	m->v = *v;
	m->published = 1;
	pthread_mutex_unlock(&m->mu);
}

int metrics_publish_rules(struct metrics *m, const struct metrics_rule *r, size_t n)
{
	size_t names = 0;
	struct metrics_rule *copy, *old;
	char *p;

	for (size_t i = 0; i < n; i++)
		names += strlen(r[i].rule) + 1;
	if (!(copy = malloc(n * sizeof(*copy) + names + 1)))
		return -1;
	p = (char *)(copy + n);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(r[i].rule) + 1;
		copy[i] = r[i];
		copy[i].rule = memcpy(p, r[i].rule, len);
		p += len;
	}
	pthread_mutex_lock(&m->mu);
	old = m->rules;
	m->rules = copy;
	m->nrules = n;
	pthread_mutex_unlock(&m->mu);
	free(old);
	return 0;
}

int metrics_healthy(struct metrics *m, uint64_t now_ms, uint64_t *age_ms)
{
	int ok;

	pthread_mutex_lock(&m->mu);
	*age_ms = m->published && now_ms >= m->v.taken_ms ? now_ms - m->v.taken_ms : UINT64_MAX;
	ok = m->published && *age_ms <= METRICS_STALE_MS;
	pthread_mutex_unlock(&m->mu);
	return ok;
}

void metrics_escape_label(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	for (; *s && o + 3 < len; s++) {
		if (*s == '\\' || *s == '"') {
			buf[o++] = '\\';
			buf[o++] = *s;
		} else if (*s == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else {
			buf[o++] = *s;
		}
	}
	buf[o] = '\0';
}

static void metric(FILE *f, const char *name, const char *type, const char *help, uint64_t v)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n%s %" PRIu64 "\n", name, help, name, type, name, v);
}

static void gauge_i(FILE *f, const char *name, const char *help, int64_t v)
{
	if (v >= 0)
		fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n%s %" PRId64 "\n", name, help, name,
		        name, v);
}

static void render_alerts(struct metrics *m, FILE *f)
{
	char label[METRICS_LABEL_MAX];
	const struct metrics_values *v = &m->v;

	fputs("# HELP kestrel_alerts_total Alerts raised, by rule and priority (before the "
	      "rate limit).\n# TYPE kestrel_alerts_total counter\n",
	      f);
	for (size_t i = 0; i < METRICS_SLOTS; i++) {
		const struct rule_count *c = &m->snap[i];
		if (!c->rule)
			continue;
		metrics_escape_label(c->rule, label, sizeof(label));
		fprintf(f, "kestrel_alerts_total{rule=\"%s\",priority=\"%s\"} %" PRIu64 "\n", label,
		        output_priority_name((enum priority)c->priority), c->n);
	}
	for (int p = 0; p < METRICS_NPRI; p++)
		if (m->snap_other[p])
			fprintf(f,
			        "kestrel_alerts_total{rule=\"(other)\",priority=\"%s\"} %" PRIu64
			        "\n",
			        output_priority_name((enum priority)p), m->snap_other[p]);
	fputs("# HELP kestrel_integrity_alerts_total Kestrel audit integrity alerts, by kind.\n"
	      "# TYPE kestrel_integrity_alerts_total counter\n",
	      f);
	for (int k = 0; k < INTEGRITY_NKINDS; k++)
		fprintf(f, "kestrel_integrity_alerts_total{kind=\"%s\"} %" PRIu64 "\n",
		        integrity_kind_name((enum integrity_kind)k), v->integrity.alerts[k]);
	fputs("# HELP kestrel_integrity_suppressed_total Integrity alerts held back by their "
	      "rate limit (logged and counted), by kind.\n"
	      "# TYPE kestrel_integrity_suppressed_total counter\n",
	      f);
	for (int k = 0; k < INTEGRITY_NKINDS; k++)
		fprintf(f, "kestrel_integrity_suppressed_total{kind=\"%s\"} %" PRIu64 "\n",
		        integrity_kind_name((enum integrity_kind)k), v->integrity.suppressed[k]);
}

/* One family of the per-rule counters: member is an offset in metrics_rule. */
static void render_rule_family(struct metrics *m, FILE *f, const char *name, const char *help,
                               size_t member)
{
	char label[METRICS_LABEL_MAX];

	fprintf(f, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
	for (size_t i = 0; i < m->nrules; i++) {
		uint64_t v;
		memcpy(&v, (const char *)&m->rules[i] + member, sizeof(v));
		metrics_escape_label(m->rules[i].rule, label, sizeof(label));
		fprintf(f, "%s{rule=\"%s\"} %" PRIu64 "\n", name, label, v);
	}
}

static void render_rules(struct metrics *m, FILE *f)
{
	render_rule_family(m, f, "kestrel_rule_evaluations_total",
	                   "Times the rule's condition was evaluated.",
	                   offsetof(struct metrics_rule, evals));
	render_rule_family(m, f, "kestrel_rule_matches_total",
	                   "Times the rule's condition matched (alerts raised).",
	                   offsetof(struct metrics_rule, matches));
	render_rule_family(m, f, "kestrel_rule_alerts_total",
	                   "The rule's alerts the outputs wrote (matches not suppressed).",
	                   offsetof(struct metrics_rule, alerts));
	render_rule_family(m, f, "kestrel_rule_suppressed_total",
	                   "The rule's alerts the outputs' rate limit dropped.",
	                   offsetof(struct metrics_rule, suppressed));
}

void metrics_render(struct metrics *m, FILE *f)
{
	pthread_mutex_lock(&m->mu);
	const struct metrics_values *v = &m->v;
	fprintf(f,
	        "# HELP kestrel_info kestrel's version and audit source.\n# TYPE kestrel_info "
	        "gauge\nkestrel_info{version=\"%s\",source=\"%s\"} 1\n",
	        PACKAGE_VERSION, v->source_mode ? v->source_mode : "none");
	metric(f, "kestrel_start_time_seconds", "gauge", "Start time (Unix seconds).",
	       v->start_wall_s);
	metric(f, "kestrel_records_total", "counter", "Audit records read.", v->records);
	metric(f, "kestrel_events_total", "counter", "Audit events assembled and evaluated.",
	       v->events);
	metric(f, "kestrel_events_incomplete_total", "counter",
	       "Events completed by timeout, not by their end record.", v->incomplete);
	metric(f, "kestrel_records_malformed_total", "counter", "Records that did not parse.",
	       v->malformed);
	metric(f, "kestrel_self_events_total", "counter", "kestrel's own events, dropped.",
	       v->self_events);
	render_alerts(m, f);
	render_rules(m, f);
	metric(f, "kestrel_alerts_suppressed_total", "counter",
	       "Alerts dropped by the outputs' rate limit.", v->suppressed);
	metric(f, "kestrel_alerts_truncated_total", "counter", "Alerts cut by a size cap.",
	       v->truncated);
	metric(f, "kestrel_output_write_errors_total", "counter",
	       "Failed writes to syslog, journal, stdout, file or program.", v->write_errors);
	metric(f, "kestrel_http_output_failed_total", "counter", "HTTP output POSTs that failed.",
	       v->http_failed);
	metric(f, "kestrel_http_output_dropped_total", "counter",
	       "Alerts the HTTP output dropped (queue full or shutdown).", v->http_dropped);
	metric(f, "kestrel_kernel_lost_total", "counter",
	       "Audit records the kernel lost while kestrel ran (backlog or rate limit).",
	       v->kernel_lost);
	metric(f, "kestrel_socket_enobufs_total", "counter",
	       "Audit socket overflows (ENOBUFS): records lost in the socket.", v->enobufs);
	metric(f, "kestrel_duplicate_records_total", "counter",
	       "Multicast copies of records already read, dropped after an audit pid hand-over.",
	       v->duplicates);
	metric(f, "kestrel_lost_alerts_total", "counter", "\"Kestrel events lost\" alerts.",
	       v->lost_alerts);
	gauge_i(f, "kestrel_kernel_backlog", "Kernel audit backlog at the last poll.", v->backlog);
	gauge_i(f, "kestrel_kernel_backlog_limit", "Kernel audit backlog limit.", v->backlog_limit);
	gauge_i(f, "kestrel_audit_enabled",
	        "The kernel's audit enabled flag (0 off, 1 on, 2 locked).", v->audit_enabled);
	metric(f, "kestrel_processes", "gauge", "Entries in the process table.", v->processes);
	metric(f, "kestrel_fd_evictions_total", "counter",
	       "File-descriptor table entries evicted at the per-process bound.", v->fd_evictions);
	metric(f, "kestrel_fd_local_lookups_total", "counter",
	       "Lookups of a connected socket's local end in /proc.", v->fd_local_lookups);
	metric(f, "kestrel_fd_local_misses_total", "counter",
	       "Local-end lookups that found nothing (process or fd gone).", v->fd_local_misses);
	metric(f, "kestrel_rules_active", "gauge", "Rules the engine evaluates.", v->rules_active);
	metric(f, "kestrel_kernel_rules", "gauge", "Kernel audit rules kestrel keeps installed.",
	       v->kernel_rules);
	metric(f, "kestrel_kernel_rules_restored_total", "counter",
	       "Kernel rules found deleted by someone else and re-added.",
	       v->kernel_rules_restored);
	pthread_mutex_unlock(&m->mu);
}
