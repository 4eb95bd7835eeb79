/*
 * daemon_int.h — the live daemon's state, shared by daemon.c (the event
 * loop, reload, hand-over) and daemon_stats.c (lost records, the stats
 * line, the metrics snapshot and the webserver). Private to src/daemon.
 */
#ifndef KESTREL_DAEMON_DAEMON_INT_H
#define KESTREL_DAEMON_DAEMON_INT_H

#include <stdint.h>

#include "daemon/daemon.h"

struct audit_source;
struct integrity;
struct kns;
struct metrics;
struct webserver;

/* Name of kestrel's own alert when the kernel or the socket lost records. */
#define DAEMON_LOST_RULE "Kestrel events lost"

struct daemon {
	const struct daemon_opts *opts;
	struct runtime *rt;
	struct krules *kr;
	struct kns *kns; /* container namespaces' copies of the path rules */
	struct audit_source *src;
	int epfd, sigfd, timerfd;
	uint64_t start_ms, last_lost_poll_ms, last_stats_ms;
	uint64_t last_wake_us; /* previous wake-up that read records (coalescing) */
	int rules_removed;     /* a CONFIG_CHANGE record removed kestrel's kernel rules:
	                        * check them on the next tick */
	uint32_t last_lost;
	int have_lost;
	uint64_t last_enobufs;
	uint64_t kernel_lost_total;
	int crashstate;          /* the crash-state file is ours to remove */
	struct integrity *ig;    /* "Kestrel audit integrity" alerts */
	int yield_pid;           /* another process asked for our audit pid: hand it over */
	uint64_t reclaim_at;     /* the audit daemon left: register then if none did */
	struct metrics *metrics; /* /metrics snapshot and per-rule alert counts */
	struct webserver *web;   /* NULL unless webserver.enabled */
	uint64_t lost_alerts;    /* "Kestrel events lost" alerts emitted */
	uint64_t rules_restored; /* kernel rules re-added after someone deleted them */
	int64_t backlog, backlog_limit, audit_enabled; /* last status poll, -1 before */
	uint64_t start_wall_s;
	int stop;
};

/* Monotonic ms; wall-clock ns. */
uint64_t daemon_now_ms(void);
uint64_t daemon_wall_ns(void);

/* Reads the kernel's lost, backlog and enabled status and the socket's
 * ENOBUFS count; alerts on losses and on auditing switched off. */
void daemon_poll_lost(struct daemon *d);

/* The statistics line (SIGUSR1, SIGUSR2, --stats-interval, exit) and the
 * STATUS= for systemd. */
void daemon_log_stats(struct daemon *d, const char *when);

/* Metrics and webserver: set up after the privilege drop (the HTTP thread
 * inherits the blocked signals); publish on every tick; stop at exit.
 * daemon_web_start returns -1 (logged) when webserver.enabled cannot be
 * honoured. */
int daemon_web_start(struct daemon *d);
void daemon_publish(struct daemon *d);
void daemon_web_stop(struct daemon *d);

#endif
