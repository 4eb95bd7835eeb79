/*
 * service.c — the service manager's side of the daemon: notify messages
 * and watchdog pings, the SIGHUP reload handshake for `kestrel --reload`,
 * and the journal check of stderr. See service.h.
 *
 * The notify protocol is spoken directly, without libsystemd (whose
 * dependency tree cost every start-up its relocations): one datagram of
 * "KEY=VALUE" lines to the AF_UNIX socket named by $NOTIFY_SOCKET, in the
 * abstract namespace when the name starts with '@' (sd_notify(3)). kestrel
 * passes no file descriptors, so nothing else of libsystemd is needed.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "daemon/service.h"
#include "util/log.h"

/* The watchdog's ping period (ms, 0 = off) and the time of the last ping. */
static uint64_t wd_period_ms;
static uint64_t wd_last_ms;

int service_reload_reply_signal(void)
{
	return SIGRTMIN + 1;
}

void service_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = path ? strlen(path) : 0;

	/* not started by a service manager that listens (or an address kind,
	 * such as vsock, that kestrel's units never use) */
	if (n < 2 || n >= sizeof(sa.sun_path) || (path[0] != '/' && path[0] != '@'))
		return;
	memcpy(sa.sun_path, path, n);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	/* best effort, as sd_notify(): a lost READY=1 shows in systemctl status */
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa,
	           (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) < 0)
		log_debug("notify %s: %s", path, strerror(errno));
	close(fd);
}

/* sd_watchdog_enabled(0, &usec): $WATCHDOG_USEC, for this process when
 * $WATCHDOG_PID is unset or names it; 0 when no watchdog was asked for. */
static uint64_t watchdog_usec(void)
{
	const char *us = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	char *end;

	if (!us || !*us || *us == '-')
		return 0;
	if (pid) {
		errno = 0;
		long p = strtol(pid, &end, 10);
		if (errno || *end || p != (long)getpid())
			return 0;
	}
	errno = 0;
	unsigned long long v = strtoull(us, &end, 10);
	return errno || *end ? 0 : (uint64_t)v;
}

void service_status(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	memcpy(buf, "STATUS=", 7);
	va_start(ap, fmt);
	n = vsnprintf(buf + 7, sizeof(buf) - 7, fmt, ap);
	va_end(ap);
	if (n >= 0)
		service_notify(buf);
}

uint64_t service_watchdog_init(void)
{
	/* WATCHDOG_USEC stays in the environment for a re-exec; it is not
	 * passed to children (program output) because they get a clean
	 * environment of their own from the output module */
	uint64_t usec = watchdog_usec();

	wd_period_ms = 0;
	if (usec > 0) {
		wd_period_ms = usec / 2000;
		if (wd_period_ms == 0)
			wd_period_ms = 1;
	}
	wd_last_ms = 0;
	return wd_period_ms;
}

void service_watchdog_tick(uint64_t now_ms)
{
	if (wd_period_ms == 0 || now_ms - wd_last_ms < wd_period_ms)
		return;
	wd_last_ms = now_ms;
	service_notify("WATCHDOG=1");
}

void service_reload_reply(int code, int32_t value, pid_t sender, enum service_reload_result r)
{
	union sigval v = {.sival_int = (int)r};

	if (code != SI_QUEUE || value != SERVICE_RELOAD_MAGIC || sender <= 0)
		return;
	if (sigqueue(sender, service_reload_reply_signal(), v) < 0)
		log_warn("reload: cannot answer pid %ld", (long)sender);
}

static const char *result_text(int r)
{
	switch (r) {
	case SERVICE_RELOAD_OK:
		return "configuration and rules reloaded";
	case SERVICE_RELOAD_REFUSED:
		return "reload refused: the daemon keeps its running configuration and rules "
		       "(see its log)";
	case SERVICE_RELOAD_PARTIAL:
		return "rules reloaded, but the kernel rules could not be replaced (see its log)";
	default:
		return "unknown reload result";
	}
}

int service_reload_request(pid_t pid, int timeout_s)
{
	int sig = service_reload_reply_signal();
	union sigval v = {.sival_int = SERVICE_RELOAD_MAGIC};
	struct timespec ts = {timeout_s, 0};
	sigset_t set;
	siginfo_t si;

	sigemptyset(&set);
	sigaddset(&set, sig);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 || pid <= 0) {
		log_warnx("--reload: bad pid %ld", (long)pid);
		return 1;
	}
	if (sigqueue(pid, SIGHUP, v) < 0) {
		log_warn("--reload: pid %ld", (long)pid);
		return 1;
	}
	for (;;) {
		if (sigtimedwait(&set, &si, &ts) < 0) {
			if (errno == EINTR)
				continue;
			log_warnx("--reload: no answer from pid %ld in %d s", (long)pid, timeout_s);
			return 1;
		}
		if (si.si_pid == pid)
			break;
	}
	if (si.si_value.sival_int == SERVICE_RELOAD_OK) {
		log_info("%s", result_text(SERVICE_RELOAD_OK));
		return 0;
	}
	log_warnx("%s", result_text(si.si_value.sival_int));
	return 1;
}

int service_stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) < 0)
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}
