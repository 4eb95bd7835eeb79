/*
 * timefmt.h — the two ways kestrel prints an event time, both Falco's:
 * local wall-clock time "HH:MM:SS.nnnnnnnnn" (the text line and evt.time)
 * and UTC ISO 8601 "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" (time_format_iso_8601,
 * evt.time.iso8601, the JSON "time" key).
 */
#ifndef KESTREL_TIMEFMT_H
#define KESTREL_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* Enough for either format, including the NUL and any year up to 9999+. */
#define TIMEFMT_MAX 48

/* Each writes a NUL-terminated string into buf (truncated to len) and
 * returns its length; ns counts nanoseconds since the epoch. */
size_t timefmt_local(char *buf, size_t len, uint64_t ns);
size_t timefmt_iso8601(char *buf, size_t len, uint64_t ns);
/* timefmt_iso8601 when iso8601, else timefmt_local. */
size_t timefmt_event(char *buf, size_t len, uint64_t ns, int iso8601);

#endif
