/*
 * output_int.h — what the sink files (sink_*.c) share with output.c: the
 * struct outputs itself and each sink's entry points. Not for other stages.
 */
#ifndef KESTREL_OUTPUT_INT_H
#define KESTREL_OUTPUT_INT_H

#include <limits.h>
#include <stdio.h>
#include <sys/uio.h>

#include "output/format.h"
#include "output/outbuf.h"
#include "output/output.h"
#include "output/ratelimit.h"

/* Longest host name kept for the JSON "hostname" key. */
#define OUTPUT_HOSTNAME_MAX 256

struct http_sink;

struct outputs {
	int json_output;
	int iso8601;
	struct output_json_opts json_opts;
	char hostname[OUTPUT_HOSTNAME_MAX];

	/* scratch buffers reused from alert to alert */
	struct outbuf text;    /* the text line */
	struct outbuf json;    /* the JSON object */
	struct outbuf tmp;     /* scratch for format/journal */
	struct outbuf jfields; /* journal: "KEY=value" records */
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
	int program_enabled;
	int program_keep_alive;
	char *program_cmd;
	FILE *program_pipe;
	struct http_sink *http;

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

/* sink_stream.c: stdout, file and program; line has no newline */
int sink_stdout_write(struct outputs *o, const char *line, size_t len);
int sink_file_open(struct outputs *o, char *err, size_t errlen);
int sink_file_write(struct outputs *o, const char *line, size_t len);
void sink_file_close(struct outputs *o);
int sink_program_write(struct outputs *o, const char *line, size_t len);
void sink_program_close(struct outputs *o);

/* sink_http.c */
struct http_sink *sink_http_new(const struct output_opts *opts, char *err, size_t errlen);
/* Queues a copy of body; 0, or -1 when the queue is full (counted as dropped). */
int sink_http_push(struct http_sink *h, const char *body, size_t len);
void sink_http_stats(struct http_sink *h, struct outputs_stats *st);
void sink_http_free(struct http_sink *h);

#endif
