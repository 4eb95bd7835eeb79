/*
 * src/source: where audit records come from. A source delivers raw record
 * text, one record at a time, and nothing else: the live sources here
 * (netlink.h) and a recorded log (replay.h) feed the same record pipeline
 * (src/record, then src/event). Sources own only their data socket or
 * file; kernel control (status, registration checks, enabling audit) is
 * src/kernel's (kaudit.h).
 *
 * netlink.h — live record sources: the kernel audit netlink socket
 * (unicast as the registered audit daemon, or multicast beside auditd) and
 * auditd's plugin stream on stdin (--audisp). A source hands every record,
 * unparsed, to a callback; the record parser and assembler (record.h) sit
 * behind that callback. Sources know nothing about rules or events.
 *
 * Driving it: put audit_source_fd() in an epoll set (level-triggered) and
 * call audit_source_read() when it is readable; it reads until EAGAIN or
 * AUDIT_SOURCE_READ_MAX records, so a storm that never lets the socket run
 * dry still returns to the caller's loop (signals, timers, the watchdog).
 * Counters (records, ENOBUFS, spoofed senders ...) are in
 * audit_source_stats().
 *
 * Memory: audit_source_open() allocates the source; audit_source_close()
 * frees it (NULL is fine). The text passed to the callback lives in the
 * source's receive buffer and is valid only during the call.
 */
#ifndef KESTREL_SOURCE_NETLINK_H
#define KESTREL_SOURCE_NETLINK_H

#include <stddef.h>
#include <stdint.h>

enum audit_source_mode {
	AUDIT_SRC_AUTO = 0,  /* multicast if a live audit daemon is registered, else unicast */
	AUDIT_SRC_UNICAST,   /* register as the audit daemon (AUDIT_SET pid) */
	AUDIT_SRC_MULTICAST, /* join AUDIT_NLGRP_READLOG; never touches the audit pid */
	AUDIT_SRC_AUDISP,    /* auditd plugin stream: text lines on a fd (stdin) */
};

/* Receive buffer asked for with SO_RCVBUFFORCE (root) or SO_RCVBUF. 16 MiB
 * holds about 60,000 exec records: a few hundred ms of a worst-case storm
 * while a slow stage runs. */
#define AUDIT_SOURCE_RCVBUF_DEFAULT (16 * 1024 * 1024)

/* Longest audisp line kept (the kernel's record limit, 8970, plus auditd's
 * "type=... msg=audit(...): " prefix and node= with room to spare). Longer
 * lines are dropped and counted in `overlong`. */
#define AUDIT_SOURCE_LINE_MAX 16384

struct audit_source_opts {
	enum audit_source_mode mode;
	int rcvbuf;   /* bytes; 0 = AUDIT_SOURCE_RCVBUF_DEFAULT */
	int input_fd; /* audisp only: the stream to read; -1 or 0 = stdin */
};

struct audit_source_stats {
	uint64_t records;   /* records handed to the callback */
	uint64_t bytes;     /* text bytes handed to the callback */
	uint64_t batches;   /* receive calls that returned data */
	uint64_t enobufs;   /* socket overflows reported by the kernel (records lost) */
	uint64_t spoofed;   /* datagrams dropped because the sender was not the kernel */
	uint64_t malformed; /* truncated datagrams or bad netlink headers */
	uint64_t nl_errors; /* NLMSG_ERROR messages with a non-zero error */
	uint64_t overlong;  /* audisp lines longer than AUDIT_SOURCE_LINE_MAX, dropped */
	uint64_t duplicates; /* multicast copies of records unicast delivered (hand-over) */
	int rcvbuf;         /* receive buffer the kernel granted (bytes, as getsockopt says) */
};

/*
 * One record. type is the netlink message type (AUDIT_SYSCALL = 1300 ...),
 * or 0 for an audisp line, whose type the parser reads from "type=...".
 * text[len] is a NUL during the call (text has no trailing newline).
 */
typedef void (*audit_record_cb)(int type, const char *text, size_t len, void *arg);

struct audit_source;

/*
 * Opens a source. For AUTO it asks the kernel whether a live audit daemon
 * is registered and logs the choice. UNICAST registers this process as the
 * audit daemon on the receiving socket and turns auditing on if it was off
 * (both undone by audit_source_close). Returns NULL and fills err on error.
 */
struct audit_source *audit_source_open(const struct audit_source_opts *opts, char *err,
                                       size_t errlen);

/* The fd to poll for input. */
int audit_source_fd(const struct audit_source *src);

/* The mode actually in use (never AUTO after a successful open). */
enum audit_source_mode audit_source_mode(const struct audit_source *src);

/* Records after which audit_source_read() returns (a few ms of work; it
 * finishes the datagram batch or the audisp read it is in, so a call
 * delivers a little more): the fd stays readable, so a level-triggered
 * epoll reports it again. */
#define AUDIT_SOURCE_READ_MAX 1024

/*
 * Reads until the fd would block or about AUDIT_SOURCE_READ_MAX records
 * were delivered, calling cb once per record. Returns the
 * number of records delivered (0 when nothing was pending), or -1 on a
 * fatal error with errno set. ENOBUFS is counted, never fatal. For audisp,
 * end of input is not an error: audit_source_eof() becomes true.
 */
int audit_source_read(struct audit_source *src, audit_record_cb cb, void *arg);

/* 1 once an audisp stream reached end of file (auditd went away). */
int audit_source_eof(const struct audit_source *src);

const struct audit_source_stats *audit_source_stats(const struct audit_source *src);

/*
 * Feeds one raw netlink datagram as if it had been received from
 * sender_portid (0 = the kernel): the same checks and delivery as
 * audit_source_read. For tests and captures of raw netlink traffic.
 * Returns the records delivered. buf must have one byte of room after len:
 * buf[len] may be set to NUL during a callback (and is restored after).
 */
int audit_source_feed(struct audit_source *src, char *buf, size_t len, uint32_t sender_portid,
                      audit_record_cb cb, void *arg);

/*
 * Unicast: unregisters (audit pid 0) only if the audit pid is still this
 * process, and turns auditing back off if open turned it on and it is
 * still on. Then closes and frees.
 */
void audit_source_close(struct audit_source *src);

/*
 * Hands the audit pid over (unicast only): joins the multicast group on a
 * second socket opened at start, releases the audit pid (AUDIT_SET pid 0),
 * delivers what is left on the unicast socket to cb, and continues as a
 * multicast source; the first read after it drops the multicast copies of
 * records already delivered (counted in `duplicates`). Then an audit
 * daemon that asked for the pid (auditd, restarted by its service manager)
 * can register. audit_source_fd() changes: the caller re-polls it.
 * Returns 0, or -1 with err (the source is unchanged).
 */
int audit_source_yield(struct audit_source *src, audit_record_cb cb, void *arg, char *err,
                       size_t errlen);

/*
 * The reverse (multicast only): registers as the audit daemon on the spare
 * socket (the one a hand-over released, or opened at start), leaves the
 * multicast group, delivers its remaining copies to cb, and continues as
 * a unicast source; the first read after it drops records already
 * delivered. For when the audit daemon kestrel read beside has stopped.
 * Returns 0, or -1 with err (the source is unchanged).
 */
int audit_source_reclaim(struct audit_source *src, audit_record_cb cb, void *arg, char *err,
                         size_t errlen);

/* "auto", "unicast", "multicast", "audisp" <-> enum; parse returns -1 if unknown. */
const char *audit_source_mode_name(enum audit_source_mode mode);
int audit_source_mode_parse(const char *s);

#endif
