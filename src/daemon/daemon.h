/*
 * src/daemon: the wiring. config.c reads kestrel.yaml; pipeline.c chains
 * the record stages (src/record, src/event); runtime.c holds one run's
 * stages (pipeline, process table, rule engine, outputs) behind an opaque
 * struct with a tick; daemon.c is the live event loop that joins a source
 * (src/source) and kernel control (src/kernel) to the runtime; privs.c
 * drops what the loop does not need. Only this folder knows both the rule
 * engine and the kernel: it turns a ruleset into kernel rules.
 *
 * daemon.h — live capture: program the kernel rules the loaded ruleset
 * needs, open the audit source, and run one epoll loop over the data
 * socket, a signalfd (TERM/INT exit, HUP reload, USR1 reopen outputs,
 * USR2 stats) and a timerfd (assembler flush, lost-counter poll, stats,
 * process-table expiry, the /metrics snapshot).
 */
#ifndef KESTREL_DAEMON_DAEMON_H
#define KESTREL_DAEMON_DAEMON_H

#include <stddef.h>
#include <sys/types.h>

#include "daemon/runtime.h"

struct engine;
struct krules;

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

/*
 * The kernel rule set a ruleset needs: the kernel-filter compiler's terms
 * (engine/kfilter.h) for its active rules, precise (syscalls narrowed by
 * paths, flags, arguments) or broad (syscalls only: audit.kernel_filters),
 * plus the process table's (execve, execveat; pivot_root when a term is
 * ns_bound, for the containers' copies), excluding exclude_pid (0 =
 * none; the daemon passes its own pid). The one place that joins the rule
 * engine to src/kernel: used at start, on SIGHUP and by
 * --print-audit-rules. A syscall this machine does not know is logged and
 * skipped. Returns a new set (krules_free) or NULL with err filled.
 */
struct krules *daemon_krules_from_engine(struct engine *e, int precise, pid_t exclude_pid,
					 char *err, size_t errlen);

/* Runs until SIGTERM/SIGINT or -M. Returns the process exit status:
 * SERVICE_EXIT_CONFIG (78, service.h) for a configuration or rules error. */
int daemon_run(const struct daemon_opts *o);

#endif
