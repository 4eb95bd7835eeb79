/*
 * pipeline.h — the chain every record goes through, whatever its source:
 * parse (record.c) -> assemble (assemble.c) -> normalize (normalize.c) ->
 * the event consumer (process table, rule engine, --print-events). Live
 * sources and replay both feed it one record at a time.
 */
#ifndef KESTREL_DAEMON_PIPELINE_H
#define KESTREL_DAEMON_PIPELINE_H

#include <stdint.h>
#include <stdio.h>

#include "record/assemble.h"
#include "record/record.h"
#include "event/kevent.h"
#include "event/normalize.h"

/* Called for every normalized event; ev is valid only during the call. */
typedef void (*pipeline_event_fn)(struct kevent *ev, void *arg);

struct pipeline_stats {
	uint64_t records;   /* records parsed */
	uint64_t malformed; /* records that could not be parsed (logged, skipped) */
	uint64_t bytes;     /* bytes of record text */
	uint64_t events;    /* events emitted */
	uint64_t incomplete;
	uint64_t oom;       /* records dropped for lack of memory (counted, logged) */
};

/* The members are pipeline.c's: other files use the functions below. The
 * struct is in the header only so that tests and benchmarks can keep a
 * pipeline on the stack. */
struct pipeline {
	struct arec rec;
	struct assembler *asm_;
	struct knorm *norm;
	struct kevent ev;
	pipeline_event_fn on_event;
	void *arg;
	struct pipeline_stats stats;
};

int pipeline_init(struct pipeline *p, enum asm_mode mode, pipeline_event_fn fn, void *arg);
void pipeline_fini(struct pipeline *p);
/*
 * Feed one record. type is the netlink message type (0 for a log line).
 * `src` and `line` name the input for error messages ("audit.log", 123;
 * line 0 when there is none, e.g. "netlink"). A malformed record is logged
 * with them and counted, never fatal.
 */
void pipeline_feed(struct pipeline *p, int type, const char *text, size_t len, uint64_t now_ms,
		   const char *src, unsigned long line);
/* End of input: flush every event in flight. */
void pipeline_flush(struct pipeline *p);
/* Live runs, from a timer: emits events idle longer than the assembler's
 * timeout (now_ms: the clock given to pipeline_feed). */
void pipeline_tick(struct pipeline *p, uint64_t now_ms);
/* The counters so far. */
const struct pipeline_stats *pipeline_get_stats(const struct pipeline *p);
/* Print the counters as one line ("records=... events=..."). */
void pipeline_print_stats(const struct pipeline *p, FILE *out);

#endif
