/*
 * service.c — the service manager's side of the daemon: notify messages
 * and watchdog pings (libsystemd's sd_notify when built with it), the
 * SIGHUP reload handshake for `kestrel --reload`, and the journal check of
 * stderr. See service.h.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

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
#ifdef HAVE_SYSTEMD
	sd_notify(0, state);
#else
	(void)state;
#endif
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
#ifdef HAVE_SYSTEMD
	uint64_t usec = 0;

	/* 0 keeps WATCHDOG_USEC in the environment for a re-exec; it is not
	 * passed to children (program output) because they get a clean
	 * environment of their own from the output module */
	if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
		wd_period_ms = usec / 2000;
		if (wd_period_ms == 0)
			wd_period_ms = 1;
	}
#endif
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
