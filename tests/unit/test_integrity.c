/*
 * test_integrity.c — the audit integrity detector on the kernel's
 * CONFIG_CHANGE record texts: auditing switched off, the audit pid taken
 * or requested while kestrel holds it (the hand-over signal), kestrel's
 * own changes ignored, the status poll, and the per-kind rate limit that
 * counts what it holds back. No outputs (NULL): the counters tell.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "daemon/integrity.h"

#define SELF 4242

static enum integrity_action feed(struct integrity *ig, const char *text, uint64_t now)
{
	return integrity_on_config_change(ig, NULL, text, strlen(text), now);
}

static struct integrity_stats stats(struct integrity *ig)
{
	struct integrity_stats st;
	integrity_stats(ig, &st);
	return st;
}

Test(integrity, record_fields)
{
	const char *t = "audit(1.2:3): op=set audit_enabled=0 old=1 auid=0 ses=4294967295 res=1";
	cr_assert_eq(integrity_record_field(t, strlen(t), "audit_enabled"), 0);
	cr_assert_eq(integrity_record_field(t, strlen(t), "old"), 1);
	cr_assert_eq(integrity_record_field(t, strlen(t), "ses"), 4294967295LL);
	cr_assert_eq(integrity_record_field(t, strlen(t), "res"), 1);
	cr_assert_eq(integrity_record_field(t, strlen(t), "pid"), -1);
	/* a key inside another token does not count */
	const char *u = "audit(1.2:3): xold=5 old=7";
	cr_assert_eq(integrity_record_field(u, strlen(u), "old"), 7);
}

Test(integrity, audit_disabled_alerts_once_per_interval)
{
	struct integrity *ig = integrity_new(SELF);
	cr_assert_eq(feed(ig, "audit(1.2:3): op=set audit_enabled=0 old=1 auid=0 res=1", 1000),
	             INTEGRITY_NONE);
	cr_assert_eq(stats(ig).alerts[INTEGRITY_AUDIT_DISABLED], 1);
	/* the status poll that follows sees 0 already reported: no second alert */
	integrity_on_status(ig, NULL, 0, 2000);
	cr_assert_eq(stats(ig).alerts[INTEGRITY_AUDIT_DISABLED], 1);
	/* switched on, off again within the interval: held back and counted */
	integrity_on_status(ig, NULL, 1, 3000);
	feed(ig, "audit(1.2:4): op=set audit_enabled=0 old=1 auid=0 res=1", 4000);
	cr_assert_eq(stats(ig).alerts[INTEGRITY_AUDIT_DISABLED], 1);
	cr_assert_eq(stats(ig).suppressed[INTEGRITY_AUDIT_DISABLED], 1);
	/* after the interval: alerted again */
	integrity_on_status(ig, NULL, 1, 5000);
	integrity_on_status(ig, NULL, 0, 1000 + INTEGRITY_INTERVAL_MS + 1);
	cr_assert_eq(stats(ig).alerts[INTEGRITY_AUDIT_DISABLED], 2);
	/* a refused change (locked: res=0) is no switch-off */
	integrity_on_status(ig, NULL, 2, 30000);
	feed(ig, "audit(1.2:5): op=set audit_enabled=0 old=2 auid=0 res=0", 60000);
	cr_assert_eq(stats(ig).alerts[INTEGRITY_AUDIT_DISABLED], 2);
	integrity_free(ig);
}

Test(integrity, status_poll_alone)
{
	struct integrity *ig = integrity_new(SELF);
	integrity_on_status(ig, NULL, 0, 0); /* off at start: no change seen, no alert */
	cr_assert_eq(stats(ig).alerts[INTEGRITY_AUDIT_DISABLED], 0);
	integrity_on_status(ig, NULL, 1, 100);
	integrity_on_status(ig, NULL, 0, 200);
	cr_assert_eq(stats(ig).alerts[INTEGRITY_AUDIT_DISABLED], 1);
	integrity_free(ig);
}

Test(integrity, audit_pid)
{
	struct integrity *ig = integrity_new(SELF);
	/* kestrel's own registration and release: nothing */
	cr_assert_eq(feed(ig, "audit(1.2:3): op=set audit_pid=4242 old=0 auid=0 res=1", 0),
	             INTEGRITY_NONE);
	cr_assert_eq(feed(ig, "audit(1.2:3): op=set audit_pid=0 old=4242 auid=0 res=1", 0),
	             INTEGRITY_NONE);
	cr_assert_eq(stats(ig).alerts[INTEGRITY_PID_TAKEN], 0);
	/* auditd refused because kestrel holds the pid: hand over */
	cr_assert_eq(feed(ig, "audit(1.2:4): op=set audit_pid=777 old=4242 auid=0 res=0", 0),
	             INTEGRITY_YIELD_PID);
	cr_assert_eq(stats(ig).alerts[INTEGRITY_PID_TAKEN], 1);
	/* someone registered (kestrel beside it): alerted, no hand-over */
	cr_assert_eq(feed(ig, "audit(1.2:5): op=set audit_pid=888 old=0 auid=0 res=1",
	                  INTEGRITY_INTERVAL_MS),
	             INTEGRITY_NONE);
	cr_assert_eq(stats(ig).alerts[INTEGRITY_PID_TAKEN], 2);
	/* that daemon lets go: kestrel may take over (not its own release) */
	cr_assert_eq(feed(ig, "audit(1.2:6): op=set audit_pid=0 old=888 auid=0 res=1", 0),
		     INTEGRITY_PID_FREED);
	cr_assert_eq(feed(ig, "audit(1.2:6): op=set audit_pid=0 old=4242 auid=0 res=1", 0),
		     INTEGRITY_NONE);
	/* a refusal between two other daemons is not kestrel's business */
	cr_assert_eq(feed(ig, "audit(1.2:6): op=set audit_pid=999 old=888 auid=0 res=0",
	                  3 * INTEGRITY_INTERVAL_MS),
	             INTEGRITY_NONE);
	cr_assert_eq(stats(ig).alerts[INTEGRITY_PID_TAKEN], 2);
	integrity_free(ig);
}

Test(integrity, rules_missing)
{
	struct integrity *ig = integrity_new(SELF);
	integrity_rules_missing(ig, NULL, 0, 0);
	cr_assert_eq(stats(ig).alerts[INTEGRITY_RULES_DELETED], 0);
	integrity_rules_missing(ig, NULL, 3, 0);
	integrity_rules_missing(ig, NULL, 3, 10);
	cr_assert_eq(stats(ig).alerts[INTEGRITY_RULES_DELETED], 1);
	cr_assert_eq(stats(ig).suppressed[INTEGRITY_RULES_DELETED], 1);
	cr_assert_str_eq(integrity_kind_name(INTEGRITY_RULES_DELETED), "rules_deleted");
	integrity_free(ig);
}
