/*
 * assemble.h — group audit records into events by (timestamp, serial).
 *
 * An event is complete at EOE (live), at PROCTITLE (the last record of a
 * syscall event: auditd's log files carry no EOE), at once for single-record
 * types (user-space and daemon messages), when the stream has moved past it
 * (replay: a record ASM_REPLAY_HORIZON_MS of log time later), on a wall-clock
 * timeout (live: asm_flush_expired from a timer, so an idle system still
 * flushes), when too many events are in flight (the oldest is evicted and
 * counted), and at end of input. Records of different events may interleave.
 *
 * Memory: the assembler copies each record's bytes into the event's own
 * buffer; events are recycled through a free list, so a steady stream
 * allocates nothing. The event passed to the emit callback is valid only
 * during the callback.
 */
#ifndef KESTREL_ASSEMBLE_H
#define KESTREL_ASSEMBLE_H

#include <stdint.h>

#include "record/record.h"

/* Events in flight before the oldest is flushed as incomplete. */
#define ASM_MAX_INFLIGHT 1024
/* Replay: an event is complete once a record this much later (log time) arrives. */
#define ASM_REPLAY_HORIZON_MS 2000
/* Live: an event older than this (wall clock) is flushed by asm_flush_expired. */
#define ASM_LIVE_TIMEOUT_MS 1000
/* Serials of recently completed events, to absorb an EOE that follows PROCTITLE. */
#define ASM_RECENT 64

enum asm_mode {
	ASM_LIVE,   /* netlink: EOE is authoritative, wall-clock timeout */
	ASM_REPLAY, /* log files: log-time horizon, end of input flushes */
};

enum asm_end {
	ASM_END_EOE = 0,
	ASM_END_PROCTITLE,
	ASM_END_SINGLE,   /* single-record type */
	ASM_END_HORIZON,  /* replay: stream moved past it */
	ASM_END_TIMEOUT,  /* live: wall-clock timeout */
	ASM_END_EVICTED,  /* too many in flight */
	ASM_END_EOF,      /* end of input / shutdown */
};

struct asm_stats {
	uint64_t records;    /* records accepted */
	uint64_t events;     /* events emitted */
	uint64_t incomplete; /* emitted without their terminating record (see asm.c) */
	uint64_t evicted;    /* flushed because ASM_MAX_INFLIGHT was reached */
	uint64_t eoe_absorbed; /* EOE records after a PROCTITLE-completed event */
};

struct asm_event;
struct assembler;

typedef void (*asm_emit_fn)(const struct asm_event *ev, void *arg);

struct assembler *asm_new(enum asm_mode mode, asm_emit_fn emit, void *arg);
void asm_free(struct assembler *a);
/* Add one parsed record (its bytes are copied). now_ms is a monotonic wall
 * clock in live mode (0 in replay). Returns 0 or -1 (out of memory). */
int asm_add(struct assembler *a, const struct arec *r, uint64_t now_ms);
/* Live: flush events older than ASM_LIVE_TIMEOUT_MS. Returns events flushed. */
int asm_flush_expired(struct assembler *a, uint64_t now_ms);
/* Flush everything in flight (end of input, shutdown). */
void asm_flush_all(struct assembler *a);
const struct asm_stats *asm_get_stats(const struct assembler *a);
int asm_inflight(const struct assembler *a);

/* Reading an emitted event. */
int asm_event_nrecords(const struct asm_event *ev);
/* Fill *view with record i (a view: do not arec_free it). */
void asm_event_record(const struct asm_event *ev, int i, struct arec *view);
enum asm_end asm_event_end(const struct asm_event *ev);
int asm_event_incomplete(const struct asm_event *ev);
uint64_t asm_event_serial(const struct asm_event *ev);
uint64_t asm_event_time_ms(const struct asm_event *ev);

#endif
