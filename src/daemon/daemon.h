/*
 * daemon.h — live capture: program the kernel rules the loaded ruleset
 * needs, open the audit source, and run one epoll loop over the data
 * socket, a signalfd (TERM/INT exit, HUP reload, USR1 stats) and a timerfd
 * (assembler flush, lost-counter poll, stats, process-table expiry).
 */
#ifndef KESTREL_DAEMON_H
#define KESTREL_DAEMON_H

#include "daemon/runtime.h"

struct daemon_opts {
	const char *config_path;   /* reloaded on SIGHUP; NULL: built-in defaults */
	char **overrides;          /* -o key=value, re-applied on reload */
	int noverrides;
	char **rules_paths;        /* -r, replaces rules_files (also on reload) */
	int nrules_paths;
	long run_seconds;          /* -M: stop after this long; 0 = until a signal */
	int audisp;                /* --audisp: read auditd's plugin stream on stdin */
	int dry_run;               /* --dry-run: load everything, touch nothing */
	int print_events;          /* --print-events: every event as a JSON line on stdout */
};

/* Load the configuration as main() does (defaults, file, -r, -o). */
int daemon_load_config(const struct daemon_opts *o, struct kestrel_config *cfg, int replay,
		       char *err, size_t errlen);

/* Runs until SIGTERM/SIGINT or -M. Returns the process exit status. */
int daemon_run(const struct daemon_opts *o);

#endif
