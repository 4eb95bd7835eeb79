/*
 * output.h — where alerts go: syslog, journald, stdout, a file, a program's
 * stdin, an HTTP endpoint (falcosidekick-compatible JSON), as text lines or
 * Falco's JSON schema, behind one token-bucket rate limit.
 *
 * The daemon creates one struct outputs from the configuration and calls
 * outputs_emit() for every alert the engine produces; attacker-controlled
 * values in the alert are escaped here (see output/escape.h), never before.
 * Everything runs on the caller's thread except HTTP and program output,
 * which each have a worker thread behind a queue bounded in alerts and
 * bytes, so a slow collector or a program that stops reading never blocks
 * the loop (what does not fit is dropped and counted).
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
 * Size caps, so that one alert always fits one syslog datagram (a datagram
 * above the socket buffer, ~212 KB, is refused) and a collector's line
 * limits. A value or line cut by a cap ends with the visible marker
 * "…[truncated N bytes]", N counting the raw bytes left out.
 *   OUTPUT_LINE_MAX:  the escaped alert text (the text line, JSON "output"
 *                     and "message"), and the whole syslog message;
 *   OUTPUT_FIELD_MAX: raw bytes of each string value in JSON output_fields;
 *                     a cut field's full length is in "output_fields_length".
 */
#define OUTPUT_LINE_MAX (64 * 1024)
#define OUTPUT_FIELD_MAX (8 * 1024)
/* Bytes of alerts the HTTP queue may hold (besides http_queue_size alerts). */
#define OUTPUT_HTTP_QUEUE_BYTES (16 * 1024 * 1024)
/* Alerts and bytes the program output's queue may hold. */
#define OUTPUT_PROGRAM_QUEUE_ALERTS 1024
#define OUTPUT_PROGRAM_QUEUE_BYTES (16 * 1024 * 1024)
/*
 * outputs_drain() gives the HTTP and program workers this long, in total,
 * to deliver what is queued; then an in-flight request is aborted (libcurl
 * notices within a second) and the program is killed: shutdown waits at
 * most ~5 s for the outputs, far below init/kestrel.service's
 * TimeoutStopSec=30s, so kestrel still has time to remove its kernel
 * rules. What is abandoned is counted as dropped.
 */
#define OUTPUT_DRAIN_MS 4000

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
	uint64_t alerts;          /* alerts given to outputs_emit() */
	uint64_t emitted;         /* alerts that passed the rate limit */
	uint64_t suppressed;      /* alerts dropped by the rate limit (all reported) */
	uint64_t write_errors;    /* failed writes to syslog/journal/stdout/file/program */
	uint64_t http_sent;       /* POSTs answered with a 2xx status */
	uint64_t http_failed;     /* POSTs that failed (network, timeout, status >= 400) */
	uint64_t http_dropped;    /* alerts dropped: HTTP queue full (alerts or bytes), or
	                           * abandoned at shutdown (queued or in flight) */
	uint64_t program_dropped; /* alerts dropped: program queue full, or left at exit */
	uint64_t truncated;       /* alerts with a field or line cut by a size cap */
};

/*
 * Opens the enabled sinks. Returns NULL with err filled (naming the sink
 * and file/URL) when one cannot be set up. opts is not kept: the outputs
 * copy what they need and own those copies. Free with outputs_free().
 */
struct outputs *outputs_new(const struct output_opts *opts, char *err, size_t errlen);

/* Formats and writes one alert to every enabled sink, or counts it
 * suppressed by the rate limit: then returns 1, else 0. */
int outputs_emit(struct outputs *o, const struct alert *a);

/* SIGHUP: reopens the file output (logrotate) and restarts a kept-alive program. */
void outputs_reopen(struct outputs *o);

/* Call periodically (e.g. from the stats timer): reports suppressed alerts when due. */
void outputs_tick(struct outputs *o);

void outputs_stats(struct outputs *o, struct outputs_stats *st);

/*
 * Shutdown, part one: reports pending suppressions and lets the HTTP and
 * program workers drain their queues for at most OUTPUT_DRAIN_MS; what is
 * left is dropped and counted (outputs_stats() still works afterwards).
 * No alert may be emitted after it. outputs_free() calls it if needed.
 */
void outputs_drain(struct outputs *o);

/* Drains (see outputs_drain()) and closes every sink, frees o. */
void outputs_free(struct outputs *o);

/* Tests: replaces the monotonic clock used by the rate limit. */
void outputs_set_clock(struct outputs *o, uint64_t (*now_ns)(void *arg), void *arg);

#endif
