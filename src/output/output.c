/*
 * output.c — the outputs stage: takes each alert from the engine, applies
 * the rate limit, formats the alert once as text and/or JSON and hands it
 * to every enabled sink (sink_*.c). Suppressed alerts are tallied and
 * reported as a log line and an internal alert once per interval.
 */
#include "config.h"

#include <errno.h>
#include <paths.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "output/escape.h"
#include "output/format.h"
#include "output/output_int.h"
#include "util/clock.h"
#include "util/log.h"


/* The rate limit's clock: a hook so tests can replace it. */
static uint64_t monotonic_ns(void *arg)
{
	(void)arg;
	return clock_monotonic_ns();
}

static void ignore_sigpipe(void)
{
	struct sigaction sa;
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_IGN;
		sigaction(SIGPIPE, &sa, NULL);
	}
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

/* Copies the settings the sinks read later; -1 on ENOMEM. */
static int copy_opts(struct outputs *o, const struct output_opts *opts)
{
	o->json_output = opts->json_output;
	o->iso8601 = opts->time_format_iso_8601;
	o->json_opts.hostname = o->hostname;
	o->json_opts.include_output = opts->json_include_output_property;
	o->json_opts.include_tags = opts->json_include_tags_property;
	o->json_opts.include_message = opts->json_include_message_property;
	o->json_opts.include_output_fields = opts->json_include_output_fields_property;
	o->json_opts.iso8601 = opts->time_format_iso_8601;
	o->rate_cfg = opts->rate;
	o->burst_cfg = opts->max_burst;
	o->syslog_enabled = opts->syslog_enabled;
	o->syslog_facility = opts->syslog_facility;
	o->stdout_enabled = opts->stdout_enabled;
	o->file_enabled = opts->file_enabled;
	o->file_keep_alive = opts->file_keep_alive;
	o->program_enabled = opts->program_enabled;
	o->program_keep_alive = opts->program_keep_alive;
	if (!(o->syslog_ident = dup_or_empty(opts->syslog_ident)) ||
	    !(o->syslog_path = dup_or_empty(opts->syslog_path ? opts->syslog_path : _PATH_LOG)) ||
	    !(o->file_name = dup_or_empty(opts->file_filename)) ||
	    !(o->program_cmd = dup_or_empty(opts->program_program)))
		return -1;
	return 0;
}

/* journal_output: on only when journald (and libsystemd) is there. */
static void journal_setup(struct outputs *o)
{
	if (sink_journal_available()) {
		o->journal_enabled = 1;
		return;
	}
#ifdef HAVE_SYSTEMD
	log_warnx("journal_output: %s not found (journald not running), journal output disabled",
	          OUTPUT_JOURNAL_SOCKET);
#else
	log_warnx("journal_output: kestrel was built without libsystemd, journal output disabled");
#endif
}

struct outputs *outputs_new(const struct output_opts *opts, char *err, size_t errlen)
{
	struct outputs *o = calloc(1, sizeof(*o));
	if (!o) {
		snprintf(err, errlen, "outputs: out of memory");
		return NULL;
	}
	o->file_fd = -1;
	o->syslog_fd = -1;
	const char *host = getenv("KESTREL_HOSTNAME");
	if (host && *host)
		snprintf(o->hostname, sizeof(o->hostname), "%s", host);
	else if (gethostname(o->hostname, sizeof(o->hostname) - 1) < 0)
		snprintf(o->hostname, sizeof(o->hostname), "localhost");
	if (copy_opts(o, opts) < 0) {
		snprintf(err, errlen, "outputs: out of memory");
		goto err;
	}
	o->now_ns = monotonic_ns;
	ratelimit_init(&o->rl, o->rate_cfg, o->burst_cfg, o->now_ns(NULL));
	if (o->syslog_enabled && sink_syslog_open(o, err, errlen) < 0)
		goto err;
	if (opts->journal_enabled)
		journal_setup(o);
	if (o->file_enabled && sink_file_open(o, err, errlen) < 0)
		goto err;
	if (o->program_enabled && !*o->program_cmd) {
		snprintf(err, errlen, "program_output.program: no program given");
		goto err;
	}
	if (o->program_enabled &&
	    !(o->program = sink_program_new(o->program_cmd, o->program_keep_alive, err, errlen)))
		goto err;
	if (o->program_enabled || opts->http_enabled)
		ignore_sigpipe();
	if (opts->http_enabled && !(o->http = sink_http_new(opts, err, errlen)))
		goto err;
	return o;
err:
	outputs_free(o);
	return NULL;
}

void outputs_set_clock(struct outputs *o, uint64_t (*now_ns)(void *arg), void *arg)
{
	o->now_ns = now_ns;
	o->now_arg = arg;
	ratelimit_init(&o->rl, o->rate_cfg, o->burst_cfg, now_ns(arg));
}

/* Writes an alert that passed (or bypasses) the rate limit to every sink. */
static void emit_all(struct outputs *o, const struct alert *a)
{
	int need_text =
	    o->syslog_enabled || o->journal_enabled ||
	    (!o->json_output && (o->stdout_enabled || o->file_enabled || o->program_enabled));
	int need_json = o->http || (o->json_output && (o->syslog_enabled || o->stdout_enabled ||
	                                               o->file_enabled || o->program_enabled));
	buf_reset(&o->text);
	buf_reset(&o->json);
	int cut_text = need_text ? output_format_text(&o->text, a, o->iso8601) : 0;
	int cut_json = need_json ? output_format_json(&o->json, &o->tmp, a, &o->json_opts) : 0;
	if (cut_text < 0 || cut_json < 0) {
		o->stats.write_errors++;
		return;
	}
	o->stats.emitted++;
	o->stats.truncated += cut_text || cut_json;
	/* The line stdout/file/program/syslog write: JSON when json_output. */
	const struct buf *line = o->json_output ? &o->json : &o->text;
	int failed = 0;
	if (o->syslog_enabled)
		failed += sink_syslog_write(o, a, line->p) < 0;
	if (o->journal_enabled)
		failed += sink_journal_write(o, a, o->text.p) < 0;
	if (o->stdout_enabled)
		failed += sink_stdout_write(o, line->p, line->len) < 0;
	if (o->file_enabled)
		failed += sink_file_write(o, line->p, line->len) < 0;
	if (o->program)
		sink_program_push(o->program, line->p, line->len);
	if (o->http)
		sink_http_push(o->http, o->json.p, o->json.len);
	o->stats.write_errors += (uint64_t)failed;
}

/* Logs and emits (bypassing the limit) what the rate limit suppressed. */
static void report_suppressed(struct outputs *o, uint64_t now)
{
	struct ratelimit *rl = &o->rl;
	struct buf *b = &o->tmp;
	uint64_t secs = (now - rl->last_report_ns + CLOCK_NS_PER_SEC / 2) / CLOCK_NS_PER_SEC;
	buf_reset(b);
	buf_printf(b,
	              "%llu alerts suppressed by the rate limit (outputs.rate=%g/s, "
	              "outputs.max_burst=%d) in the last %llus, highest suppressed priority %s:",
	              (unsigned long long)rl->pending, o->rate_cfg, o->burst_cfg,
	              (unsigned long long)secs,
	              output_priority_name((enum priority)rl->top_priority));
	for (int i = 0; i < rl->nrules; i++) {
		buf_printf(b, "%s rule '", i ? "," : "");
		output_escape_text(b, rl->rules[i].rule, strlen(rl->rules[i].rule));
		buf_printf(b, "' %llu", (unsigned long long)rl->rules[i].count);
	}
	if (rl->other)
		buf_printf(b, ", other rules %llu", (unsigned long long)rl->other);
	if (!b->p) {
		ratelimit_reset_tally(rl, now);
		return;
	}
	log_warnx("outputs: %s", b->p);

	/* b is scratch for the formatters too: the alert needs its own copy. */
	char *msg = strdup(b->p);
	/* as severe as the most severe alert it stands for, at least Warning */
	enum priority top = (enum priority)rl->top_priority;
	struct alert_field fields[] = {
	    {.name = "kestrel.suppressed", .type = AV_INT, .num = (int64_t)rl->pending},
	    {.name = "kestrel.suppressed_priority",
	     .type = AV_STRING,
	     .str = output_priority_name(top)},
	};
	struct alert a = {
	    .time_ns = clock_realtime_ns(),
	    .rule = OUTPUT_SUPPRESSED_RULE,
	    .priority = top < PRI_WARNING ? top : PRI_WARNING,
	    .source = "internal",
	    .output = msg ? msg : "alerts suppressed by the rate limit",
	    .nfields = 2,
	    .fields = fields,
	};
	ratelimit_reset_tally(rl, now);
	emit_all(o, &a);
	free(msg);
}

void outputs_tick(struct outputs *o)
{
	uint64_t now = o->now_ns(o->now_arg);
	if (ratelimit_report_due(&o->rl, now, OUTPUT_SUPPRESS_REPORT_SEC * CLOCK_NS_PER_SEC))
		report_suppressed(o, now);
	sink_file_check(o);
}

int outputs_emit(struct outputs *o, const struct alert *a)
{
	uint64_t now = o->now_ns(o->now_arg);
	int suppressed = !ratelimit_take(&o->rl, now, (int)a->priority);

	o->stats.alerts++;
	if (suppressed) {
		o->stats.suppressed++;
		ratelimit_note(&o->rl, a->rule, (int)a->priority);
	} else {
		emit_all(o, a);
	}
	if (ratelimit_report_due(&o->rl, now, OUTPUT_SUPPRESS_REPORT_SEC * CLOCK_NS_PER_SEC))
		report_suppressed(o, now);
	return suppressed;
}

void outputs_reopen(struct outputs *o)
{
	if (o->file_enabled) {
		char err[OUTPUT_ERR_MAX];
		sink_file_close(o);
		if (sink_file_open(o, err, sizeof(err)) < 0)
			log_warnx("outputs: %s", err);
	}
	if (o->program && o->program_keep_alive)
		sink_program_restart(o->program);
}

void outputs_stats(struct outputs *o, struct outputs_stats *st)
{
	*st = o->stats;
	if (o->http)
		sink_http_stats(o->http, st);
	if (o->program)
		sink_program_stats(o->program, st);
}

void outputs_drain(struct outputs *o)
{
	if (o->drained)
		return;
	if (o->rl.pending)
		report_suppressed(o, o->now_ns(o->now_arg));
	o->drained = 1;
	/* one deadline for both workers: shutdown stays within OUTPUT_DRAIN_MS */
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += OUTPUT_DRAIN_MS / 1000;
	deadline.tv_nsec += (OUTPUT_DRAIN_MS % 1000) * 1000000L;
	if (deadline.tv_nsec >= (long)CLOCK_NS_PER_SEC) {
		deadline.tv_sec++;
		deadline.tv_nsec -= (long)CLOCK_NS_PER_SEC;
	}
	if (o->http)
		sink_http_drain(o->http, &deadline);
	if (o->program)
		sink_program_drain(o->program, &deadline);
}

void outputs_free(struct outputs *o)
{
	if (!o)
		return;
	outputs_drain(o);
	if (o->http)
		sink_http_free(o->http);
	if (o->program)
		sink_program_free(o->program);
	sink_file_close(o);
	sink_syslog_close(o);
	ratelimit_free(&o->rl);
	buf_free(&o->text);
	buf_free(&o->json);
	buf_free(&o->tmp);
	buf_free(&o->jfields);
	free(o->iov);
	free(o->syslog_ident);
	free(o->syslog_path);
	free(o->file_name);
	free(o->program_cmd);
	free(o);
}
