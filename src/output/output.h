/*
 * output.h — where alerts go: syslog, journald, stdout, a file, a program's
 * stdin, an HTTP endpoint (falcosidekick-compatible JSON), as text lines or
 * Falco's JSON schema, behind one token-bucket rate limit.
 *
 * The daemon creates one struct outputs from the configuration and calls
 * outputs_emit() for every alert the engine produces; attacker-controlled
 * values in the alert are escaped here (see output/escape.h), never before.
 * Everything runs on the caller's thread except HTTP, which has a worker
 * thread behind a bounded queue so a slow collector never blocks the loop.
 *
 * When program or HTTP output is enabled, outputs_new() sets SIGPIPE to
 * SIG_IGN (if it was SIG_DFL) so a dead reader costs an error, not the daemon.
 */
#ifndef KESTREL_OUTPUT_H
#define KESTREL_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "engine/alert.h"

struct outputs;

/* Room for one error message from outputs_new(). */
#define OUTPUT_ERR_MAX 512
/* Seconds between two reports of alerts suppressed by the rate limit. */
#define OUTPUT_SUPPRESS_REPORT_SEC 10
/* Name of the internal alert that reports suppressed alerts. */
#define OUTPUT_SUPPRESSED_RULE "Kestrel internal: alerts suppressed by rate limit"
/* Where journald listens; journal output is off when it is absent. */
#define OUTPUT_JOURNAL_SOCKET "/run/systemd/journal/socket"

/*
 * Every output setting, filled by the daemon from kestrel.yaml (it is the
 * `out` member of struct kestrel_config) or by a test. The strings belong
 * to whoever filled the struct: outputs_new() copies what it keeps, so the
 * opts need only live through that call. A NULL string reads as "".
 */
struct output_opts {
	/* alert format */
	int json_output; /* JSON lines on syslog/stdout/file/program, not text */
	int json_include_output_property;
	int json_include_tags_property;
	int json_include_message_property;       /* "message": output without time/priority */
	int json_include_output_fields_property; /* "output_fields" */
	int time_format_iso_8601;

	/* rate limit: tokens per second (<= 0: unlimited) and bucket size */
	double rate;
	int max_burst;

	/* sinks */
	int syslog_enabled;
	int syslog_facility;     /* LOG_USER ... LOG_LOCAL7 (already shifted) */
	char *syslog_ident;      /* "" or NULL: "kestrel" */
	const char *syslog_path; /* not a config key: NULL is _PATH_LOG (/dev/log);
	                          * tests point it at a socket of their own */
	int journal_enabled;
	int stdout_enabled;
	int file_enabled;
	int file_keep_alive;
	char *file_filename;
	int program_enabled;
	int program_keep_alive;
	char *program_program;
	int http_enabled;
	char *http_url;
	char *http_user_agent;
	int http_insecure;
	char *http_ca_cert;
	char *http_ca_bundle;
	char *http_ca_path;
	int http_mtls;
	char *http_client_cert;
	char *http_client_key;
	int http_echo;
	int http_keep_alive;
	int http_timeout_ms; /* whole request */
	int http_queue_size; /* alerts waiting for the HTTP worker */
};

struct outputs_stats {
	uint64_t alerts;       /* alerts given to outputs_emit() */
	uint64_t emitted;      /* alerts that passed the rate limit */
	uint64_t suppressed;   /* alerts dropped by the rate limit (all reported) */
	uint64_t write_errors; /* failed writes to syslog/journal/stdout/file/program */
	uint64_t http_sent;    /* POSTs answered with a 2xx status */
	uint64_t http_failed;  /* POSTs that failed (network, timeout, status >= 400) */
	uint64_t http_dropped; /* alerts dropped because the HTTP queue was full */
};

/*
 * Opens the enabled sinks. Returns NULL with err filled (naming the sink
 * and file/URL) when one cannot be set up. opts is not kept: the outputs
 * copy what they need and own those copies. Free with outputs_free().
 */
struct outputs *outputs_new(const struct output_opts *opts, char *err, size_t errlen);

/* Formats and writes one alert to every enabled sink (or counts it suppressed). */
void outputs_emit(struct outputs *o, const struct alert *a);

/* SIGHUP: reopens the file output (logrotate) and restarts a kept-alive program. */
void outputs_reopen(struct outputs *o);

/* Call periodically (e.g. from the stats timer): reports suppressed alerts when due. */
void outputs_tick(struct outputs *o);

void outputs_stats(struct outputs *o, struct outputs_stats *st);

/* Reports pending suppressions, drains the HTTP queue (bounded wait), closes all. */
void outputs_free(struct outputs *o);

/* Tests: replaces the monotonic clock used by the rate limit. */
void outputs_set_clock(struct outputs *o, uint64_t (*now_ns)(void *arg), void *arg);

#endif
