/*
 * test_evt_time.c — the event time as the engine renders it in an alert's
 * output, through the public API (engine_eval_with): evt.time is Falco's
 * local wall-clock time, evt.time.iso8601 and evt.datetime are UTC, and
 * evt.rawtime the nanoseconds. A time zone far from UTC tells local from
 * UTC apart, so rendering evt.time in UTC (or ISO) fails here.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <time.h>

#include "engine_testutil.h"

/* tw_event's time: 2023-11-14 22:13:20.123456789 UTC. */
#define EVENT_UTC_ISO "2023-11-14T22:13:20.123456789Z"

/* The output of one rule printing fmt for tw_event's exec, in zone tz. */
static void render(const char *tz, const char *fmt, char *out, size_t n)
{
	char yaml[512];
	struct test_world w = {0};
	struct capture cap = {0};
	struct engine_diag *d;
	struct engine *e;
	struct kevent ev = tw_event("execve", 100, 1, "ls", "/bin/ls");

	/* localtime_r reads TZ only through tzset */
	cr_assert_eq(setenv("TZ", tz, 1), 0);
	tzset();
	tw_add(&w, 100, 1, "ls", "/bin/ls", NULL);
	snprintf(yaml, sizeof(yaml),
	         "- rule: r\n  desc: d\n  condition: evt.type = execve\n  output: \"%s\"\n"
	         "  priority: WARNING\n",
	         fmt);
	e = tw_load(yaml, &d);
	if (!e)
		engine_diag_print(d, stderr);
	engine_diag_free(d);
	cr_assert_not_null(e);
	cr_assert_eq(engine_eval_with(e, &ev, &tw_src, &w, capture_cb, &cap), 1);
	engine_free(e);
	snprintf(out, n, "%s", cap.output[0]);
}

Test(evt_time, evt_time_is_local_wall_clock_with_nanoseconds)
{
	char out[TW_TEXT];

	/* India: UTC+5:30, no daylight saving: 22:13 UTC is 03:43 next day */
	render("IST-5:30", "t=%evt.time", out, sizeof(out));
	cr_assert_str_eq(out, "t=03:43:20.123456789");
	/* US Pacific in November: UTC-8 */
	render("PST8PDT,M3.2.0,M11.1.0", "t=%evt.time", out, sizeof(out));
	cr_assert_str_eq(out, "t=14:13:20.123456789");
	render("UTC0", "t=%evt.time", out, sizeof(out));
	cr_assert_str_eq(out, "t=22:13:20.123456789");
}

Test(evt_time, iso8601_and_datetime_are_utc_whatever_the_zone)
{
	char out[TW_TEXT];

	render("IST-5:30", "%evt.time.iso8601 %evt.datetime", out, sizeof(out));
	cr_assert_str_eq(out, EVENT_UTC_ISO " " EVENT_UTC_ISO);
}

Test(evt_time, rawtime_is_nanoseconds_since_the_epoch)
{
	char out[TW_TEXT];

	render("IST-5:30", "%evt.rawtime", out, sizeof(out));
	cr_assert_str_eq(out, "1700000000123456789");
}
