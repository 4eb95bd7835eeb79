/*
 * sink_syslog.c — alerts to syslog: openlog(ident, LOG_PID, facility) and
 * one syslog() call per alert whose severity is the rule's priority (Falco's
 * priorities are the syslog severities). The message is the escaped text
 * line (or the JSON object with json_output), so it is always one line.
 *
 * syslog() says nothing when no daemon listens on /dev/log: the message is
 * simply gone. So each alert first checks that /dev/log is a socket; when it
 * is not, the alert counts as a write error and the change is logged (once
 * each way). glibc reconnects by itself when the daemon restarts.
 */
#include "config.h"

#include <paths.h>
#include <stdio.h>
#include <sys/stat.h>
#include <syslog.h>

#include "output/output_int.h"
#include "util/log.h"

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
	struct stat st;
	int listening = stat(_PATH_LOG, &st) == 0 && S_ISSOCK(st.st_mode);
	if (listening != o->syslog_listening) {
		if (listening)
			log_notice("syslog output: a syslog daemon listens on %s again", _PATH_LOG);
		else
			log_warnx("syslog output: nothing listens on %s (no syslog daemon): alerts "
				  "to syslog are lost, and counted as write errors, until one starts",
				  _PATH_LOG);
		o->syslog_listening = listening;
	}
	if (!listening)
		return -1;
	/* The facility is given on every call: log.c may have reopened the log. */
	syslog(o->syslog_facility | (LOG_PRIMASK & (int)a->priority), "%s", msg);
	return 0;
}
