/*
 * clock.c — reads CLOCK_MONOTONIC and CLOCK_REALTIME as 64-bit counts
 * (clock.h). clock_gettime cannot fail for these ids on Linux.
 */
#include <time.h>

#include "util/clock.h"

static uint64_t read_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * CLOCK_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t clock_monotonic_ns(void)
{
	return read_ns(CLOCK_MONOTONIC);
}

uint64_t clock_monotonic_ms(void)
{
	return read_ns(CLOCK_MONOTONIC) / CLOCK_NS_PER_MS;
}

uint64_t clock_boottime_ns(void)
{
	return read_ns(CLOCK_BOOTTIME);
}

uint64_t clock_realtime_ns(void)
{
	return read_ns(CLOCK_REALTIME);
}

uint64_t clock_realtime_ms(void)
{
	return read_ns(CLOCK_REALTIME) / CLOCK_NS_PER_MS;
}
