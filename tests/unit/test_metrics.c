/*
 * test_metrics.c — the /metrics snapshot: alert counts by rule and
 * priority (bounded, the rest under "(other)"), label escaping, what the
 * HTTP thread renders after a publish (and not before), and the health
 * check's staleness limit.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/metrics.h"
#include "engine/alert.h"

static char *render(struct metrics *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cr_assert_not_null(f);
	metrics_render(m, f);
	fclose(f);
	return buf;
}

Test(metrics, counts_by_rule_and_priority)
{
	struct metrics *m = metrics_new();
	struct metrics_values v = {.taken_ms = 1, .events = 42, .backlog = -1};
	char *t;

	metrics_count_alert(m, "Shell in container", PRI_WARNING);
	metrics_count_alert(m, "Shell in container", PRI_WARNING);
	metrics_count_alert(m, "Shell in container", PRI_NOTICE);
	metrics_count_alert(m, "Odd \"name\"\\\n", PRI_CRITICAL);
	t = render(m); /* nothing published yet */
	cr_assert_null(strstr(t, "Shell in container"));
	free(t);
	metrics_publish(m, &v);
	metrics_count_alert(m, "Shell in container", PRI_WARNING); /* after the publish */
	t = render(m);
	cr_assert_not_null(strstr(t, "kestrel_alerts_total{rule=\"Shell in container\","
	                             "priority=\"Warning\"} 2\n"));
	cr_assert_not_null(strstr(t, "kestrel_alerts_total{rule=\"Shell in container\","
	                             "priority=\"Notice\"} 1\n"));
	cr_assert_not_null(
	    strstr(t, "{rule=\"Odd \\\"name\\\"\\\\\\n\",priority=\"Critical\"} 1\n"));
	cr_assert_not_null(strstr(t, "kestrel_events_total 42\n"));
	cr_assert_not_null(strstr(t, "# TYPE kestrel_events_total counter\n"));
	cr_assert_null(strstr(t, "kestrel_kernel_backlog ")); /* not read yet: absent */
	free(t);
	metrics_free(m);
}

Test(metrics, bounded)
{
	struct metrics *m = metrics_new();
	struct metrics_values v = {.taken_ms = 1};
	char name[32];
	char *t;

	for (int i = 0; i < METRICS_MAX_RULES + 10; i++) {
		snprintf(name, sizeof(name), "rule %d", i);
		metrics_count_alert(m, name, PRI_ERROR);
	}
	metrics_count_alert(m, "rule 0", PRI_ERROR); /* known names still count */
	metrics_publish(m, &v);
	t = render(m);
	cr_assert_not_null(strstr(t, "{rule=\"(other)\",priority=\"Error\"} 10\n"));
	cr_assert_not_null(strstr(t, "{rule=\"rule 0\",priority=\"Error\"} 2\n"));
	free(t);
	metrics_free(m);
}

Test(metrics, healthy)
{
	struct metrics *m = metrics_new();
	struct metrics_values v = {.taken_ms = 1000};
	uint64_t age;

	cr_assert_eq(metrics_healthy(m, 1000, &age), 0); /* never published: starting */
	metrics_publish(m, &v);
	cr_assert_eq(metrics_healthy(m, 1500, &age), 1);
	cr_assert_eq(age, 500);
	cr_assert_eq(metrics_healthy(m, 1000 + METRICS_STALE_MS + 1, &age), 0);
	metrics_free(m);
}
