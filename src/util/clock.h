/*
 * clock.h — the two clocks kestrel reads: monotonic for timeouts, caches and
 * rate limits (never jumps), realtime for timestamps shown to people and
 * for converting boot-relative times to the epoch.
 */
#ifndef KESTREL_CLOCK_H
#define KESTREL_CLOCK_H

#include <stdint.h>

#define CLOCK_NS_PER_SEC 1000000000ULL
#define CLOCK_NS_PER_MS 1000000ULL

uint64_t clock_monotonic_ns(void);
uint64_t clock_monotonic_ms(void);
/* Like monotonic, but counting suspended time: /proc starttime's clock. */
uint64_t clock_boottime_ns(void);
/* Nanoseconds / milliseconds since the epoch. */
uint64_t clock_realtime_ns(void);
uint64_t clock_realtime_ms(void);

#endif
