/*
 * ratelimit.h — the token buckets in front of the outputs (outputs.rate,
 * outputs.max_burst) and the tally of what they suppressed, by rule, so the
 * outputs can report it once per interval: alerts are never lost silently.
 *
 * Two buckets, each of outputs.rate and outputs.max_burst: every alert may
 * take from the shared one; alerts of priority RATELIMIT_RESERVED_PRIORITY
 * (Error) and above take from a reserved one first, which lower priorities
 * never touch. So a flood of Warnings cannot silence the next Critical, and
 * Error and above can pass at up to twice the configured rate.
 *
 * Memory: the struct owns copies of the rule names it tallies; free them
 * with ratelimit_free().
 */
#ifndef KESTREL_RATELIMIT_H
#define KESTREL_RATELIMIT_H

#include <stdint.h>

/* Rules tallied by name per interval; beyond this they count as "other". */
#define RATELIMIT_MAX_RULES 32
/* This priority (a syslog severity: lower is more severe) and above have a reserved bucket. */
#define RATELIMIT_RESERVED_PRIORITY 3 /* PRI_ERROR */

struct ratelimit_bucket {
	double tokens;
	uint64_t last_ns; /* last refill */
};

struct ratelimit_rule {
	char *rule;
	uint64_t count;
};

struct ratelimit {
	double rate;  /* tokens per second; <= 0 disables the limit */
	double burst; /* bucket size */
	struct ratelimit_bucket shared, reserved;
	/* suppressed since the last report */
	struct ratelimit_rule rules[RATELIMIT_MAX_RULES];
	int nrules;
	uint64_t other;   /* suppressed alerts of rules beyond RATELIMIT_MAX_RULES */
	uint64_t pending; /* total suppressed since the last report */
	int top_priority; /* most severe suppressed priority (lowest number); -1: none */
	uint64_t last_report_ns;
};

void ratelimit_init(struct ratelimit *rl, double rate, int burst, uint64_t now_ns);
/* 1 if an alert of priority may pass now (a token is taken), 0 if it must be suppressed. */
int ratelimit_take(struct ratelimit *rl, uint64_t now_ns, int priority);
/* Tallies one suppressed alert of rule and priority. */
void ratelimit_note(struct ratelimit *rl, const char *rule, int priority);
/* 1 when suppressed alerts are pending and interval_ns passed since the last report. */
int ratelimit_report_due(const struct ratelimit *rl, uint64_t now_ns, uint64_t interval_ns);
/* Forgets the tally after it was reported. */
void ratelimit_reset_tally(struct ratelimit *rl, uint64_t now_ns);
void ratelimit_free(struct ratelimit *rl);

#endif
