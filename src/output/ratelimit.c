/*
 * ratelimit.c — token buckets for alerts (a shared one, and one reserved
 * for Error and above), and the per-rule tally of the alerts they
 * suppressed (reported by output.c once per interval).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "output/ratelimit.h"

#define NS_PER_SEC 1e9

void ratelimit_init(struct ratelimit *rl, double rate, int burst, uint64_t now_ns)
{
	memset(rl, 0, sizeof(*rl));
	rl->rate = rate;
	rl->burst = burst > 0 ? burst : 1;
	rl->shared = rl->reserved = (struct ratelimit_bucket){rl->burst, now_ns};
	rl->last_report_ns = now_ns;
	rl->top_priority = -1;
}

/* Refills b for the time since its last refill and takes a token if there is one. */
static int bucket_take(const struct ratelimit *rl, struct ratelimit_bucket *b, uint64_t now_ns)
{
	if (now_ns > b->last_ns) {
		b->tokens += (double)(now_ns - b->last_ns) * rl->rate / NS_PER_SEC;
		if (b->tokens > rl->burst)
			b->tokens = rl->burst;
		b->last_ns = now_ns;
	}
	if (b->tokens < 1)
		return 0;
	b->tokens -= 1;
	return 1;
}

int ratelimit_take(struct ratelimit *rl, uint64_t now_ns, int priority)
{
	if (rl->rate <= 0)
		return 1;
	if (priority <= RATELIMIT_RESERVED_PRIORITY && bucket_take(rl, &rl->reserved, now_ns))
		return 1;
	return bucket_take(rl, &rl->shared, now_ns);
}

void ratelimit_note(struct ratelimit *rl, const char *rule, int priority)
{
	rl->pending++;
	if (rl->top_priority < 0 || priority < rl->top_priority)
		rl->top_priority = priority;
	if (!rule)
		rule = "";
	for (int i = 0; i < rl->nrules; i++)
		if (strcmp(rl->rules[i].rule, rule) == 0) {
			rl->rules[i].count++;
			return;
		}
	/* First suppression of this rule in the interval: the only allocation. */
	char *copy = rl->nrules < RATELIMIT_MAX_RULES ? strdup(rule) : NULL;
	if (!copy) {
		rl->other++;
		return;
	}
	rl->rules[rl->nrules].rule = copy;
	rl->rules[rl->nrules].count = 1;
	rl->nrules++;
}

int ratelimit_report_due(const struct ratelimit *rl, uint64_t now_ns, uint64_t interval_ns)
{
	return rl->pending > 0 && now_ns - rl->last_report_ns >= interval_ns;
}

void ratelimit_reset_tally(struct ratelimit *rl, uint64_t now_ns)
{
	for (int i = 0; i < rl->nrules; i++)
		free(rl->rules[i].rule);
	rl->nrules = 0;
	rl->other = 0;
	rl->pending = 0;
	rl->top_priority = -1;
	rl->last_report_ns = now_ns;
}

void ratelimit_free(struct ratelimit *rl)
{
	ratelimit_reset_tally(rl, rl->last_report_ns);
}
