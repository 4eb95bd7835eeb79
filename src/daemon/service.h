/*
 * service.h — kestrel as a managed service: the systemd notify protocol
 * (READY, RELOADING, STOPPING, STATUS, and WATCHDOG pings when the
 * service manager asked for them with WATCHDOG_USEC), the reload
 * handshake that lets `kestrel --reload PID` (ExecReload=) tell the caller
 * whether the new configuration was applied, the exit status of a
 * configuration error, and whether stderr already goes to the journal.
 *
 * The reload handshake needs no systemd and no file: the caller queues
 * SIGHUP with SERVICE_RELOAD_MAGIC as its value (sigqueue); the daemon
 * reloads and, only for a SIGHUP carrying that value, queues
 * SERVICE_RELOAD_REPLY_SIG back to the sender with the result. A plain
 * SIGHUP (logrotate, kill -HUP) gets no reply.
 *
 * Memory: nothing here allocates.
 */
#ifndef KESTREL_DAEMON_SERVICE_H
#define KESTREL_DAEMON_SERVICE_H

#include <stdint.h>
#include <sys/types.h>

/* Exit status of a configuration or rules error (sysexits.h EX_CONFIG):
 * the unit's RestartPreventExitStatus= keeps systemd from retrying it. */
#define SERVICE_EXIT_CONFIG 78

/* The sigval of a SIGHUP that asks for a reply. */
#define SERVICE_RELOAD_MAGIC 0x6b657374
/* Seconds `kestrel --reload` waits for the daemon's answer. */
#define SERVICE_RELOAD_TIMEOUT_S 60

/* Results carried by the reply (its sigval). */
enum service_reload_result {
	SERVICE_RELOAD_OK = 0,      /* new configuration and rules in force */
	SERVICE_RELOAD_REFUSED = 1, /* configuration or rules refused: the old ones run */
	SERVICE_RELOAD_PARTIAL = 2, /* new rules in force, kernel rules kept the old set */
};

/* The signal of the reply (SIGRTMIN + 1; a function: SIGRTMIN is not constant). */
int service_reload_reply_signal(void);

/* sd_notify(0, state) without libsystemd: one datagram to $NOTIFY_SOCKET
 * (a no-op without it). state may hold several "KEY=VALUE" lines. */
void service_notify(const char *state);

/* STATUS= line for `systemctl status`. */
void service_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Watchdog. service_watchdog_init() reads WATCHDOG_USEC (as
 * sd_watchdog_enabled(3): WATCHDOG_PID, if set, must be ours) and returns
 * the ping period in ms (half the timeout), or 0 when no watchdog was
 * asked for. service_watchdog_tick()
 * sends WATCHDOG=1 when a period has passed since the last ping; call it
 * from the event loop, so a loop that stops turning stops the pings.
 */
uint64_t service_watchdog_init(void);
void service_watchdog_tick(uint64_t now_ms);

/* Daemon side: reply to the sender of a SIGHUP if it asked (code/value
 * from its signalfd_siginfo). */
void service_reload_reply(int code, int32_t value, pid_t sender, enum service_reload_result r);

/*
 * Client side (`kestrel --reload PID`): queues the SIGHUP and waits up to
 * timeout_s for the reply. Returns the process exit status: 0 applied,
 * 1 refused, partly applied, no answer or PID not signalable (each with
 * a message on the log).
 */
int service_reload_request(pid_t pid, int timeout_s);

/* 1 when stderr is the journal's stream (JOURNAL_STREAM names its device
 * and inode): systemd already records it, so logging to syslog too would
 * show each line twice. */
int service_stderr_is_journal(void);

#endif
