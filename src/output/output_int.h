/*
 * output_int.h — what the sink files (sink_*.c) share with output.c: the
 * struct outputs itself and each sink's entry points. Not for other stages.
 */
#ifndef KESTREL_OUTPUT_INT_H
#define KESTREL_OUTPUT_INT_H

#include <limits.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>

#include "output/format.h"
#include "util/buf.h"
#include "output/output.h"
#include "output/ratelimit.h"

/* Longest host name kept for the JSON "hostname" key. */
#define OUTPUT_HOSTNAME_MAX 256

struct http_sink;
struct program_sink;

struct outputs {
	int json_output;
	int iso8601;
	struct output_json_opts json_opts;
	char hostname[OUTPUT_HOSTNAME_MAX];

	/* scratch buffers reused from alert to alert */
	struct buf text;    /* the text line */
	struct buf json;    /* the JSON object */
	struct buf tmp;     /* scratch for format/journal */
	struct buf jfields; /* journal: "KEY=value" records */
	struct iovec *iov;     /* journal: one per record */
	size_t iov_cap;

	struct ratelimit rl;
	uint64_t (*now_ns)(void *arg);
	void *now_arg;
	double rate_cfg;
	int burst_cfg;

	int syslog_enabled;
	int syslog_facility;
	char *syslog_ident;
	char *syslog_path;  /* the syslog daemon's socket, _PATH_LOG unless a test says */
	int syslog_fd;      /* our own datagram socket: no openlog(), see sink_syslog.c */
	int syslog_failing; /* the last send failed: log only on transitions */
	int journal_enabled;
	int stdout_enabled;
	int file_enabled;
	int file_keep_alive;
	char *file_name;
	int file_fd;
	dev_t file_dev; /* what file_fd is, to notice a rotation of file_name */
	ino_t file_ino;
	uint64_t file_checked_ns; /* last comparison with file_name (monotonic) */
	int program_enabled;
	int program_keep_alive;
	char *program_cmd;
	struct program_sink *program;
	struct http_sink *http;
	int drained; /* outputs_drain() ran */

	struct outputs_stats stats;
};

/* sink_syslog.c */
int sink_syslog_open(struct outputs *o, char *err, size_t errlen);
void sink_syslog_close(struct outputs *o);
int sink_syslog_write(struct outputs *o, const struct alert *a, const char *msg);

/* sink_journal.c: builds the journal record into o->iov; returns the count or -1 */
int sink_journal_build(struct outputs *o, const struct alert *a, const char *msg);
int sink_journal_write(struct outputs *o, const struct alert *a, const char *msg);
int sink_journal_available(void);

/* sink_stream.c: stdout and file; line has no newline */
int sink_stdout_write(struct outputs *o, const char *line, size_t len);
int sink_file_open(struct outputs *o, char *err, size_t errlen);
int sink_file_write(struct outputs *o, const char *line, size_t len);
/* Without keep_alive: reopens the file when its path names another file
 * now (logrotate), checking at most once per FILE_CHECK_NS. */
void sink_file_check(struct outputs *o);
void sink_file_close(struct outputs *o);

/* sink_program.c: the program's worker; line has no newline */
struct program_sink *sink_program_new(const char *cmd, int keep_alive, char *err, size_t errlen);
/* Queues a copy of line; 0, or -1 when the queue is full (counted as dropped). */
int sink_program_push(struct program_sink *p, const char *line, size_t len);
/* SIGHUP: the kept-alive program gets EOF and is started again on the next alert. */
void sink_program_restart(struct program_sink *p);
void sink_program_stats(struct program_sink *p, struct outputs_stats *st);
/* Writes what is queued until deadline (CLOCK_REALTIME), then kills the program. */
void sink_program_drain(struct program_sink *p, const struct timespec *deadline);
void sink_program_free(struct program_sink *p);

/* sink_http.c */
struct http_sink *sink_http_new(const struct output_opts *opts, char *err, size_t errlen);
/* Queues a copy of body; 0, or -1 when the queue is full (counted as dropped). */
int sink_http_push(struct http_sink *h, const char *body, size_t len);
void sink_http_stats(struct http_sink *h, struct outputs_stats *st);
/* Sends what is queued until deadline (CLOCK_REALTIME), then aborts. */
void sink_http_drain(struct http_sink *h, const struct timespec *deadline);
void sink_http_free(struct http_sink *h);
/* The libcurl soname sink_http_new() loads (NULL: libcurl.so.4); for tests of
 * a missing library. Takes effect only before the first successful load. */
void sink_http_set_library(const char *soname);

/* url with user:password@ as ***@ and ?query#fragment as ?***, into buf. */
void output_redact_url(char *buf, size_t len, const char *url);

#endif
