/*
 * integrity.h — "Kestrel audit integrity": kestrel's own CRITICAL alert,
 * to every output, when the audit trail it depends on is tampered with:
 * auditing switched off (`auditctl -e 0`), kestrel's kernel rules deleted
 * by someone else (`auditctl -D`), the audit pid requested or taken by
 * another process. The evidence is the kernel's CONFIG_CHANGE records
 * (fed per record) and the periodic status poll; lost records keep their
 * own alert ("Kestrel events lost", daemon.c).
 *
 * Rate limit that counts: at most one alert per kind every
 * INTEGRITY_INTERVAL_MS; the ones held back are counted, and the next
 * alert of that kind says how many (kestrel.suppressed) so nothing
 * vanishes silently; integrity_stats() has the totals for /metrics.
 *
 * Memory: integrity_new() allocates; integrity_free() frees (NULL fine).
 */
#ifndef KESTREL_DAEMON_INTEGRITY_H
#define KESTREL_DAEMON_INTEGRITY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct outputs;

#define INTEGRITY_RULE "Kestrel audit integrity"
/* One alert per kind per this many ms at most. */
#define INTEGRITY_INTERVAL_MS 10000

enum integrity_kind {
	INTEGRITY_AUDIT_DISABLED = 0, /* audit_enabled set to 0 */
	INTEGRITY_RULES_DELETED,      /* kestrel's kernel rules removed by someone else */
	INTEGRITY_PID_TAKEN,          /* another process registered or asked for the audit pid */
	INTEGRITY_NKINDS,
};

struct integrity_stats {
	uint64_t alerts[INTEGRITY_NKINDS];     /* alerts emitted */
	uint64_t suppressed[INTEGRITY_NKINDS]; /* held back by the rate limit */
};

/* What a CONFIG_CHANGE record asks of the daemon. */
enum integrity_action {
	INTEGRITY_NONE = 0,
	INTEGRITY_YIELD_PID, /* another process asked for the audit pid kestrel holds */
	INTEGRITY_PID_FREED, /* the audit daemon kestrel read beside let go of the pid */
};

struct integrity;

/* self: kestrel's pid (its own changes are not tampering). */
struct integrity *integrity_new(pid_t self);
void integrity_free(struct integrity *ig);

/* One CONFIG_CHANGE record's text (after "audit(...): "). Alerts when it
 * shows tampering; returns what the daemon should do about it. */
enum integrity_action integrity_on_config_change(struct integrity *ig, struct outputs *o,
                                                 const char *text, size_t len, uint64_t now_ms);

/* The status poll: enabled is the kernel's audit_enabled (0, 1, 2). Alerts
 * on a switch to 0 the records did not already report. */
void integrity_on_status(struct integrity *ig, struct outputs *o, uint32_t enabled,
                         uint64_t now_ms);

/* The daemon found n of its kernel rules missing (and re-added them). */
void integrity_rules_missing(struct integrity *ig, struct outputs *o, int n, uint64_t now_ms);

void integrity_stats(const struct integrity *ig, struct integrity_stats *st);

/* "auditing_disabled", "rules_deleted", "audit_pid_taken". */
const char *integrity_kind_name(enum integrity_kind k);

/* Tests: the unsigned value of KEY=... in a record text; -1 if absent. */
long long integrity_record_field(const char *text, size_t len, const char *key);

#endif
