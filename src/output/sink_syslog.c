/*
 * sink_syslog.c — alerts to syslog: one datagram per alert in the
 * traditional form "<PRI>Mmm dd hh:mm:ss ident[pid]: message", sent to
 * /dev/log on a socket of our own. PRI is the configured facility plus the
 * rule's priority (Falco's priorities are the syslog severities). The
 * message is the escaped text line (or the JSON object with json_output),
 * so it is always one line.
 *
 * Not openlog()/syslog(): those keep one ident and facility per process,
 * which kestrel's own log (util/log.c) uses; the alert sink's ident and
 * facility must not relabel kestrel's diagnostics. Sending ourselves also
 * tells us when an alert is lost (no daemon, stale socket): the alert
 * counts as a write error and the change is logged once each way. The path
 * is named on every send, so a restarted daemon's socket is found again.
 *
 * A datagram above the socket's send buffer (~212 KB) is refused: the
 * formatters cap the text at OUTPUT_LINE_MAX, and a longer message (JSON
 * with many long fields) is cut here at the same size with the
 * "…[truncated N bytes]" marker, so it still arrives (no longer valid JSON,
 * but visible). Any refused send is a counted write error.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "output/escape.h"
#include "output/output_int.h"
#include "util/log.h"

/* Longest ident sent; a longer one is cut (as openlog's callers did). */
#define SYSLOG_IDENT_MAX 63
/* "<PRI>Mmm dd hh:mm:ss " + ident + "[pid]: " */
#define SYSLOG_HEADER_MAX (SYSLOG_IDENT_MAX + 64)
/* Ident when syslog_output.ident is empty. */
#define SYSLOG_DEFAULT_IDENT "kestrel"

int sink_syslog_open(struct outputs *o, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	if (strlen(o->syslog_path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "syslog_output: socket path %s is too long", o->syslog_path);
		return -1;
	}
	o->syslog_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (o->syslog_fd < 0) {
		snprintf(err, errlen, "syslog_output: socket: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void sink_syslog_close(struct outputs *o)
{
	if (o->syslog_fd >= 0)
		close(o->syslog_fd);
	o->syslog_fd = -1;
}

/* Logs when sending starts or stops failing. */
static void note_state(struct outputs *o, int failed, int errnum)
{
	if (failed == o->syslog_failing)
		return;
	if (!failed)
		log_notice("syslog output: a syslog daemon listens on %s again", o->syslog_path);
	else if (errnum == ENOENT || errnum == ECONNREFUSED || errnum == ENOTSOCK)
		log_warnx("syslog output: nothing listens on %s (no syslog daemon): alerts to "
		          "syslog are lost, and counted as write errors, until one starts",
		          o->syslog_path);
	else
		log_warnx("syslog output: cannot send to %s (%s): alerts to syslog are lost, and "
		          "counted as write errors, until it works again",
		          o->syslog_path, strerror(errnum));
	o->syslog_failing = failed;
}

int sink_syslog_write(struct outputs *o, const struct alert *a, const char *msg)
{
	char hdr[SYSLOG_HEADER_MAX];
	char stamp[sizeof("Mmm dd hh:mm:ss")];
	time_t now = time(NULL);
	struct tm tm;
	if (!localtime_r(&now, &tm) || strftime(stamp, sizeof(stamp), "%b %e %T", &tm) == 0)
		stamp[0] = '\0';
	const char *ident = *o->syslog_ident ? o->syslog_ident : SYSLOG_DEFAULT_IDENT;
	int n = snprintf(hdr, sizeof(hdr),
	                 "<%d>%s %.*s[%d]: ", o->syslog_facility | (LOG_PRIMASK & (int)a->priority),
	                 stamp, SYSLOG_IDENT_MAX, ident, (int)getpid());
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	memcpy(addr.sun_path, o->syslog_path, strlen(o->syslog_path) + 1); /* checked at open */
	size_t len = strlen(msg);
	char marker[ESCAPE_MARKER_MAX + 1] = "";
	if (len > OUTPUT_LINE_MAX) {
		size_t keep = output_utf8_cut(msg, len, OUTPUT_LINE_MAX - ESCAPE_MARKER_MAX);
		struct buf m = {marker, 0, sizeof(marker)};
		output_append_truncated(&m, len - keep); /* fits: no reallocation */
		len = keep;
	}
	struct iovec iov[3] = {{hdr, (size_t)n}, {(void *)msg, len}, {marker, strlen(marker)}};
	struct msghdr mh = {
	    .msg_name = &addr, .msg_namelen = sizeof(addr), .msg_iov = iov, .msg_iovlen = 3};
	ssize_t w;
	do
		w = sendmsg(o->syslog_fd, &mh, MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	int errnum = errno;
	note_state(o, w < 0, errnum);
	return w < 0 ? -1 : 0;
}
