/*
 * log.c — kestrel's own diagnostics. Messages go to stderr (foreground,
 * tests) and/or syslog (daemon), under kestrel's own ident and facility
 * (see log.h), never the alert sink's. Control characters in messages are not
 * escaped here: callers that print attacker-controlled text escape it first.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "util/log.h"

static int log_stderr = 1;
static int log_syslog;
static enum log_level log_level = LOG_LVL_INFO;

static const char *const level_names[] = {
	"emergency", "alert", "critical", "error", "warning", "notice", "info", "debug",
};

void log_init(int to_stderr, int to_syslog, enum log_level level)
{
	log_stderr = to_stderr;
	if (to_syslog && !log_syslog)
		openlog(LOG_SYSLOG_IDENT, LOG_PID | LOG_NDELAY, LOG_SYSLOG_FACILITY);
	log_syslog = to_syslog;
	log_level = level;
}

void log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level log_get_level(void)
{
	return log_level;
}

int log_level_parse(const char *s)
{
	for (int i = 0; i <= LOG_LVL_DEBUG; i++)
		if (strcasecmp(s, level_names[i]) == 0)
			return i;
	if (strcasecmp(s, "informational") == 0)
		return LOG_LVL_INFO;
	if (strcasecmp(s, "err") == 0)
		return LOG_LVL_ERR;
	if (strcasecmp(s, "warn") == 0)
		return LOG_LVL_WARNING;
	return -1;
}

static void log_vemit(enum log_level lvl, int with_errno, const char *fmt, va_list ap)
{
	char msg[2048];
	int saved = errno;

	if (lvl > log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (with_errno) {
		size_t n = strlen(msg);
		snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(saved));
	}
	if (log_stderr)
		fprintf(stderr, "kestrel: %s\n", msg);
	if (log_syslog)
		syslog(LOG_SYSLOG_FACILITY | (int)lvl, "%s", msg);
	errno = saved;
}

#define LOG_FN(name, lvl, err)                                                                     \
	void name(const char *fmt, ...)                                                            \
	{                                                                                          \
		va_list ap;                                                                        \
		va_start(ap, fmt);                                                                 \
		log_vemit(lvl, err, fmt, ap);                                                      \
		va_end(ap);                                                                        \
	}

LOG_FN(log_warn, LOG_LVL_WARNING, 1)
LOG_FN(log_warnx, LOG_LVL_WARNING, 0)
LOG_FN(log_info, LOG_LVL_INFO, 0)
LOG_FN(log_notice, LOG_LVL_NOTICE, 0)
LOG_FN(log_debug, LOG_LVL_DEBUG, 0)
LOG_FN(log_errx, LOG_LVL_ERR, 0)

void fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vemit(LOG_LVL_CRIT, 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vemit(LOG_LVL_CRIT, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
