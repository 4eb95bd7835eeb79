/*
 * integrity.c — the "Kestrel audit integrity" alert: CONFIG_CHANGE records
 * and the status poll read for tampering with the audit trail, each kind
 * rate limited with a count of what was held back. See integrity.h.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/integrity.h"
#include "engine/alert.h"
#include "output/output.h"
#include "util/log.h"
#include "util/clock.h"

/* Room for the alert's text. */
#define INTEGRITY_OUT_MAX 320

struct integrity {
	pid_t self;
	uint32_t last_enabled; /* from records or the poll; UINT32_MAX = unknown */
	uint64_t last_alert_ms[INTEGRITY_NKINDS];
	int alerted[INTEGRITY_NKINDS];      /* an alert of the kind was emitted once */
	uint64_t pending[INTEGRITY_NKINDS]; /* held back since the last alert */
	struct integrity_stats st;
};

static const char *const kind_names[INTEGRITY_NKINDS] = {
    "auditing_disabled",
    "rules_deleted",
    "audit_pid_taken",
};

const char *integrity_kind_name(enum integrity_kind k)
{
	return k < INTEGRITY_NKINDS ? kind_names[k] : "?";
}

struct integrity *integrity_new(pid_t self)
{
	struct integrity *ig = calloc(1, sizeof(*ig));

	if (ig) {
		ig->self = self;
		ig->last_enabled = UINT32_MAX;
	}
	return ig;
}

void integrity_free(struct integrity *ig)
{
	free(ig);
}

void integrity_stats(const struct integrity *ig, struct integrity_stats *st)
{
	*st = ig->st;
}

long long integrity_record_field(const char *text, size_t len, const char *key)
{
	size_t kl = strlen(key);
	const char *end = text + len;

	for (const char *p = text; p + kl + 1 < end; p++) {
		if ((p != text && p[-1] != ' ') || memcmp(p, key, kl) != 0 || p[kl] != '=')
			continue;
		const char *v = p + kl + 1;
		if (v >= end || *v < '0' || *v > '9')
			return -1;
		long long n = 0;
		for (; v < end && *v >= '0' && *v <= '9'; v++)
			n = n * 10 + (*v - '0');
		return n;
	}
	return -1;
}

/* The alert itself, or a count when the kind's interval has not passed. */
static void emit(struct integrity *ig, struct outputs *o, enum integrity_kind k, uint64_t now_ms,
                 const char *what)
{
	static const char *const tags[] = {"kestrel", "internal", "integrity"};
	char out[INTEGRITY_OUT_MAX];
	struct alert_field f[2];
	struct alert a = {0};

	log_warnx("%s: %s", INTEGRITY_RULE, what);
	if (ig->alerted[k] && now_ms - ig->last_alert_ms[k] < INTEGRITY_INTERVAL_MS) {
		ig->pending[k]++;
		ig->st.suppressed[k]++;
		return;
	}
	if (ig->pending[k])
		snprintf(out, sizeof(out), "%s: %s (%" PRIu64 " more since the last alert)",
		         INTEGRITY_RULE, what, ig->pending[k]);
	else
		snprintf(out, sizeof(out), "%s: %s", INTEGRITY_RULE, what);
	f[0] = (struct alert_field){
	    .name = "kestrel.integrity", .type = AV_STRING, .str = kind_names[k]};
	f[1] = (struct alert_field){
	    .name = "kestrel.suppressed", .type = AV_INT, .num = (int64_t)ig->pending[k]};
	a.time_ns = clock_realtime_ns();
	a.rule = INTEGRITY_RULE;
	a.priority = PRI_CRITICAL;
	a.source = "internal";
	a.ntags = 3;
	a.tags = tags;
	a.output = out;
	a.nfields = 2;
	a.fields = f;
	if (o)
		outputs_emit(o, &a);
	ig->alerted[k] = 1;
	ig->last_alert_ms[k] = now_ms;
	ig->pending[k] = 0;
	ig->st.alerts[k]++;
}

/* The name of a running process, for the alert ("auditd"); "?" if gone. */
static void comm_of(long long pid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(buf, len, "?");
	snprintf(path, sizeof(path), "/proc/%lld/comm", pid);
	if (!(f = fopen(path, "r")))
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
	/* a comm is the process's own choice: keep it printable */
	for (char *p = buf; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
}

static enum integrity_action on_pid_change(struct integrity *ig, struct outputs *o, long long pid,
                                           long long old, long long res, uint64_t now_ms)
{
	char what[INTEGRITY_OUT_MAX - 64], comm[32];

	if (pid == 0 && res == 1 && old > 0 && old != ig->self) {
		log_info("the audit daemon (pid %lld) unregistered", old);
		return INTEGRITY_PID_FREED;
	}
	if (pid <= 0 || pid == ig->self)
		return INTEGRITY_NONE; /* kestrel itself */
	comm_of(pid, comm, sizeof(comm));
	if (res == 0 && old == ig->self) {
		snprintf(what, sizeof(what),
		         "pid %lld (%s) asked for the audit pid kestrel holds: kestrel hands it "
		         "over and continues on the multicast group",
		         pid, comm);
		emit(ig, o, INTEGRITY_PID_TAKEN, now_ms, what);
		return INTEGRITY_YIELD_PID;
	}
	if (res == 1) {
		snprintf(what, sizeof(what),
		         "the audit pid was taken by pid %lld (%s), previously %lld", pid, comm,
		         old);
		emit(ig, o, INTEGRITY_PID_TAKEN, now_ms, what);
	}
	return INTEGRITY_NONE;
}

enum integrity_action integrity_on_config_change(struct integrity *ig, struct outputs *o,
                                                 const char *text, size_t len, uint64_t now_ms)
{
	long long v, old = integrity_record_field(text, len, "old");
	long long res = integrity_record_field(text, len, "res");
	char what[INTEGRITY_OUT_MAX - 64];

	if ((v = integrity_record_field(text, len, "audit_enabled")) >= 0) {
		if (res == 1)
			ig->last_enabled = (uint32_t)v;
		if (v == 0 && res == 1 && old != 0) {
			long long auid = integrity_record_field(text, len, "auid");
			snprintf(what, sizeof(what),
			         "auditing was switched off (audit_enabled %lld -> 0, auid %lld): "
			         "no more audit events until it is switched on",
			         old, auid);
			emit(ig, o, INTEGRITY_AUDIT_DISABLED, now_ms, what);
		}
		return INTEGRITY_NONE;
	}
	if ((v = integrity_record_field(text, len, "audit_pid")) >= 0)
		return on_pid_change(ig, o, v, old, res, now_ms);
	return INTEGRITY_NONE;
}

void integrity_on_status(struct integrity *ig, struct outputs *o, uint32_t enabled, uint64_t now_ms)
{
	uint32_t prev = ig->last_enabled;

	ig->last_enabled = enabled;
	if (enabled == 0 && prev != 0 && prev != UINT32_MAX)
		emit(ig, o, INTEGRITY_AUDIT_DISABLED, now_ms,
		     "auditing is switched off (audit status enabled 0): no more audit events "
		     "until it is switched on");
	else if (enabled != 0 && prev == 0)
		log_info("%s: auditing is switched on again (enabled %u)", INTEGRITY_RULE, enabled);
}

void integrity_rules_missing(struct integrity *ig, struct outputs *o, int n, uint64_t now_ms)
{
	char what[INTEGRITY_OUT_MAX - 64];

	if (n <= 0)
		return;
	snprintf(what, sizeof(what),
	         "%d of kestrel's kernel audit rules were deleted by someone else "
	         "(auditctl -D or -d); kestrel re-added them",
	         n);
	emit(ig, o, INTEGRITY_RULES_DELETED, now_ms, what);
}
