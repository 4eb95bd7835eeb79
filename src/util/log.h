/*
 * log.h — kestrel's own diagnostics (not alerts): stderr and/or syslog,
 * with a level filter. Modelled on OpenBSD's log.c: log_warn appends
 * strerror(errno), log_warnx does not, fatal/fatalx exit (main only).
 */
#ifndef KESTREL_LOG_H
#define KESTREL_LOG_H

#include <stdarg.h>
#include <syslog.h>

/*
 * kestrel's own syslog ident and facility. They are the log's alone: the
 * alert syslog sink (output/sink_syslog.c) sends its own datagrams with the
 * configured syslog_output ident and facility and never calls openlog().
 */
#define LOG_SYSLOG_IDENT "kestrel"
#define LOG_SYSLOG_FACILITY LOG_DAEMON

enum log_level {
	LOG_LVL_EMERG = 0,
	LOG_LVL_ALERT,
	LOG_LVL_CRIT,
	LOG_LVL_ERR,
	LOG_LVL_WARNING,
	LOG_LVL_NOTICE,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

/* to_stderr / to_syslog choose the sinks; level is the most verbose kept. */
void log_init(int to_stderr, int to_syslog, enum log_level level);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parses "error", "warning", "info", "debug", ... Returns -1 if unknown. */
int log_level_parse(const char *s);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_errx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
