/*
 * alert.h — what the rule engine hands to the outputs when a rule fires.
 *
 * Values are raw (decoded audit data, possibly attacker-controlled: any
 * byte but NUL); every output escapes them for its own format. All pointers
 * are owned by the engine and valid only during the output_emit() call.
 */
#ifndef KESTREL_ALERT_H
#define KESTREL_ALERT_H

#include <stdint.h>

#include "util/priority.h"

/* Falco priorities; the numbers are the syslog severities, as in
 * util/priority.h, whose one table names them. */
enum priority {
	PRI_EMERGENCY = 0,
	PRI_ALERT,
	PRI_CRITICAL,
	PRI_ERROR,
	PRI_WARNING,
	PRI_NOTICE,
	PRI_INFORMATIONAL,
	PRI_DEBUG,
};

_Static_assert(PRI_DEBUG == PRIORITY_DEBUG && PRI_INFORMATIONAL == PRIORITY_INFORMATIONAL,
               "enum priority follows util/priority.h");

/* "Emergency" ... "Debug", as Falco prints them. */
static inline const char *priority_name(enum priority p)
{
	return priority_to_name((int)p);
}
/* Case-insensitive; accepts "info" for Informational. -1 if unknown. */
static inline int priority_parse(const char *s)
{
	return priority_from_name(s);
}

enum alert_value_type {
	AV_NULL = 0, /* the field has no value for this event (<NA>, JSON null) */
	AV_STRING,
	AV_INT,
	AV_BOOL,
};

struct alert_field {
	const char *name; /* "proc.name", "proc.aname[2]" */
	enum alert_value_type type;
	const char *str;  /* AV_STRING: the raw value */
	int64_t num;      /* AV_INT, AV_BOOL */
};

struct alert {
	uint64_t time_ns;   /* event time */
	const char *rule;
	enum priority priority;
	const char *source; /* "syscall", or "internal" for kestrel's own alerts */
	int ntags;
	const char *const *tags;
	const char *output; /* rendered rule output, without the time/priority prefix */
	int nfields;
	const struct alert_field *fields;
};

#endif
