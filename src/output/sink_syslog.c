/*
 * sink_syslog.c — alerts to syslog: openlog(ident, LOG_PID, facility) and
 * one syslog() call per alert whose severity is the rule's priority (Falco's
 * priorities are the syslog severities). The message is the escaped text
 * line (or the JSON object with json_output), so it is always one line.
 */
#include "config.h"

#include <stdio.h>
#include <syslog.h>

#include "output/output_int.h"

/* openlog() keeps the ident pointer: it must outlive the outputs. */
#define SYSLOG_IDENT_MAX 64
static char syslog_ident[SYSLOG_IDENT_MAX];

void sink_syslog_open(struct outputs *o)
{
	snprintf(syslog_ident, sizeof(syslog_ident), "%s",
	         *o->syslog_ident ? o->syslog_ident : "kestrel");
	openlog(syslog_ident, LOG_PID, o->syslog_facility);
}

int sink_syslog_write(struct outputs *o, const struct alert *a, const char *msg)
{
	/* The facility is given on every call: log.c may have reopened the log. */
	syslog(o->syslog_facility | (LOG_PRIMASK & (int)a->priority), "%s", msg);
	return 0;
}
