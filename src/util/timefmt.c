/*
 * timefmt.c — event times as text (timefmt.h). The nanoseconds are printed
 * in full, as Falco does, so two events in one second stay distinguishable.
 */
#include <stdio.h>
#include <time.h>

#include "util/timefmt.h"

#define NS_PER_SEC 1000000000ULL

static size_t clamp(int n, size_t len)
{
	if (n < 0)
		return 0;
	return (size_t)n < len ? (size_t)n : (len ? len - 1 : 0);
}

size_t timefmt_local(char *buf, size_t len, uint64_t ns)
{
	time_t sec = (time_t)(ns / NS_PER_SEC);
	struct tm tm;

	localtime_r(&sec, &tm);
	return clamp(snprintf(buf, len, "%02d:%02d:%02d.%09llu", tm.tm_hour, tm.tm_min, tm.tm_sec,
	                      (unsigned long long)(ns % NS_PER_SEC)),
	             len);
}

size_t timefmt_iso8601(char *buf, size_t len, uint64_t ns)
{
	time_t sec = (time_t)(ns / NS_PER_SEC);
	struct tm tm;

	gmtime_r(&sec, &tm);
	return clamp(snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09lluZ", tm.tm_year + 1900,
	                      tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	                      (unsigned long long)(ns % NS_PER_SEC)),
	             len);
}

size_t timefmt_event(char *buf, size_t len, uint64_t ns, int iso8601)
{
	return iso8601 ? timefmt_iso8601(buf, len, ns) : timefmt_local(buf, len, ns);
}
