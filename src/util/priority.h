/*
 * priority.h — the one table of priority names: the eight syslog severities
 * as Falco spells them ("Emergency" ... "Debug"). The rule loader, the
 * config's minimum priority and the outputs all read it. Values are the
 * syslog severities, the same numbers as enum priority (engine/alert.h).
 */
#ifndef KESTREL_PRIORITY_H
#define KESTREL_PRIORITY_H

#define PRIORITY_EMERGENCY 0
#define PRIORITY_INFORMATIONAL 6
#define PRIORITY_DEBUG 7
#define PRIORITY_COUNT 8

/* "Emergency" ... "Debug"; "Unknown" outside 0..7. */
const char *priority_to_name(int p);
/* Case-insensitive, "info" accepted for Informational (as Falco does);
 * 0..7, or -1 for anything else (including NULL). */
int priority_from_name(const char *s);

#endif
