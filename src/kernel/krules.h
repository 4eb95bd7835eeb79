/*
 * krules.h — kestrel's kernel audit rules and audit settings, through
 * the control socket of kaudit.h (src/kernel: all control of the kernel's
 * audit subsystem; see kaudit.h). The kernel module knows nothing of the
 * rule engine: the daemon turns a ruleset into a krules set
 * (daemon_krules_from_engine). The rule engine's kernel-filter compiler
 * gives filter terms (syscalls + field pairs); the process table adds its
 * own needs; krules turns the set into `always,exit` rules keyed
 * "kestrel", one per arch (b64, and b32 where the machine has a 32-bit ABI)
 * and per term, excluding kestrel's own pid, and keeps them in
 * place: stale kestrel rules from a crashed run (keyed kestrel, with a pid
 * exclusion) are removed first, rules
 * deleted by someone else are re-added, and on exit exactly kestrel's rules
 * go away. Rules with any other key are never touched.
 *
 * Memory: krules_new() allocates, krules_free() frees (it does not touch
 * the kernel: call krules_uninstall() first).
 */
#ifndef KESTREL_KERNEL_KRULES_H
#define KESTREL_KERNEL_KRULES_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/audit.h>

/* The key on every kernel rule kestrel owns. */
#define KRULES_KEY "kestrel"

/* Filter groups: syscalls added with the same flags share a kernel rule. */
#define KRULES_SUCCESS_ONLY 0x1u /* -F success=1: only calls that succeeded */

/*
 * What the process table needs (krules_add_proc_needs):
 * EXEC — execve, execveat: every exec, successful or not (a failed exec of
 *        a dropped binary is itself a signal). Always on.
 * FORK — clone, clone3, fork, vfork, success only: the parent/child link of
 *        processes that fork without exec. Costs one more event per
 *        process (measured in a fork+exec storm: +87% events, +35%
 *        records, +19% receive CPU; see krules.c). Off by default: an exec
 *        record carries ppid, and a miss reads /proc/<ppid>.
 * EXIT — exit_group: exact expiry of table entries. Costs one more event
 *        (~3 records) per process too; expiry by sweep is cheaper. Off by
 *        default.
 */
#define KRULES_PROC_EXEC 0x1u
#define KRULES_PROC_FORK 0x2u
#define KRULES_PROC_EXIT 0x4u
/* NS — pivot_root, added to the exec rule: a new container root (the
 *      daemon then adds that mount namespace's path=/dir= rules, kns.h). */
#define KRULES_PROC_NS 0x8u

/* Kernel audit settings; KRULES_UNSET leaves a value as it is. */
#define KRULES_UNSET (-1)
struct krules_settings {
	long backlog_limit;     /* audit.backlog_limit: records queued in the kernel */
	long backlog_wait_time; /* audit.backlog_wait_time: ticks a process waits when full */
	long rate_limit;        /* audit.rate_limit: records/s, 0 = none */
};

/* Result of krules_install(). */
enum krules_state {
	KRULES_INSTALLED = 0,        /* rules programmed */
	KRULES_IMMUTABLE_COVERED,    /* enabled=2: not touched; existing rules cover the set */
	KRULES_IMMUTABLE_INCOMPLETE, /* enabled=2: not touched; some syscalls are not audited */
};

struct krules;

/* exclude_pid: -F pid!=<exclude_pid> on every rule (kestrel's own pid); 0 = none. */
struct krules *krules_new(pid_t exclude_pid);
void krules_free(struct krules *kr);

/*
 * Adds syscalls (by name) to the set, in the group given by flags. A name
 * no arch knows is an error naming it; a name known on one arch only (e.g.
 * socketcall, accept on i386) goes into that arch's rule alone.
 */
int krules_add(struct krules *kr, const char *const *names, size_t n, unsigned flags, char *err,
               size_t errlen);
int krules_add_proc_needs(struct krules *kr, unsigned needs);

/*
 * Adds a filter term: one kernel rule per arch with any of the syscalls
 * and all of the fields, libaudit field pair texts as kfilter renders them
 * ("a2&3", "success=1", "path=/etc/shadow", "dir=/var/log", "exe=/x").
 * Syscalls of terms with the same fields merge into one rule. More fields
 * than a rule holds beside arch, pid exclusion and key (AUDIT_MAX_FIELDS)
 * are cut (a wider filter: sound). ns_bound: the term has path=, dir= or
 * exe= (resolved per mount namespace, see kns.h).
 *
 * Names (path=, dir=, exe=) are resolved when the rules are built
 * (install, reload, per namespace): symlinks are followed (dir= must be
 * given the real directory: the kernel does not follow a final symlink for
 * a tree), and a dir= that does not exist, or a path= whose directory does
 * not exist, becomes a dir= on the nearest existing ancestor: wider, so
 * sound; logged at info level (debug for container namespaces). A
 * directory created later is covered by that ancestor; the narrower rule
 * comes with the next reload. krules_print shows the names unresolved.
 *
 * why (nwhy strings, may be NULL): what needs the term, the names of the
 * kestrel rules it serves; merged terms keep the union, in order, and
 * krules_print puts them in a comment above the term's rules.
 */
int krules_add_term(struct krules *kr, const char *const *names, size_t n,
                    const char *const *fields, int nf, int ns_bound, const char *const *why,
                    size_t nwhy, char *err, size_t errlen);
/* 1 if some arch of this machine knows the syscall. */
int krules_syscall_known(const struct krules *kr, const char *name);

/* Kernel rules the set makes (one per arch and term with any syscall),
 * and how many of them are ns_bound (copied per mount namespace). */
size_t krules_count(const struct krules *kr);
size_t krules_ns_count(const struct krules *kr);

/* Prints the set in auditctl syntax, one rule a line, each term's rules
 * (one per arch) under a comment naming what needs them, e.g.
 *   # process table (exec)
 *   -a always,exit -F arch=b64 -S execve,execveat -F pid!=42 -F key=kestrel
 * Returns the number of rule lines. Touches no kernel state
 * (--print-audit-rules). */
int krules_print(const struct krules *kr, FILE *out);

/*
 * Programs the set: removes stale kestrel-keyed rules, applies the settings
 * (remembering the previous values), adds the rules. When the audit
 * configuration is immutable (enabled=2) it changes nothing, says so, and
 * reports whether the rules already loaded cover the set. Returns an enum
 * krules_state, or -1 with err filled.
 */
int krules_install(struct krules *kr, const struct krules_settings *set, char *err, size_t errlen);

/*
 * Re-adds any of kestrel's installed rules that are missing from the
 * kernel (e.g. after `auditctl -D` / `augenrules --load`), logging it.
 * Returns the number re-added, or -1 on error. Cheap to call on every
 * CONFIG_CHANGE that krules_config_change_is_removal() flags.
 */
int krules_check_and_restore(struct krules *kr);

/*
 * How many (arch, syscall) pairs of the set no rule in `rules` audits: a
 * rule covers a syscall when it is always,exit, has its bit, and filters on
 * nothing but arch, key (and success=1 for a success-only group). Used in
 * immutable mode to judge the rules already loaded; log_each warns once per
 * missing pair. rules are as the kernel lists them (AUDIT_LIST_RULES).
 */
int krules_uncovered(const struct krules *kr, struct audit_rule_data *const *rules, size_t n,
                     int log_each);

/*
 * SIGHUP with a new ruleset: makes the kernel hold next's rules instead of
 * cur's without a gap (next's rules are added before cur's extra ones are
 * removed) and hands the remembered settings over to next. On success cur
 * holds nothing (free it) and next is the installed set; on error the
 * kernel keeps cur's rules and cur stays in charge. Returns 0 or -1.
 */
int krules_reload(struct krules *cur, struct krules *next, char *err, size_t errlen);

/* Removes kestrel's rules and restores the settings changed by install
 * (only those still at the value kestrel set). Returns rules removed or -1. */
int krules_uninstall(struct krules *kr);

/* Removes the rules a kestrel process left (keyed exactly KRULES_KEY and
 * excluding a pid: crash leftovers). Rules keyed KRULES_KEY without a pid
 * exclusion were loaded by an administrator (audit-rules/kestrel.rules)
 * and are kept. Returns the number removed, or -1 with err filled. */
int krules_remove_stale(char *err, size_t errlen);

/* 1 if a component of the rule's key is exactly KRULES_KEY (keys are
 * split at the audit key separator \001: "kestrel\001mntns=N" is ours). */
int krules_rule_is_ours(const struct audit_rule_data *r);

/* 1 if a CONFIG_CHANGE record's text says a kestrel-keyed rule was removed
 * (op=remove_rule key="kestrel"), else 0. A namespace rule's key holds the
 * separator \001, which the kernel logs hex-encoded (key=6B65...): its
 * removal (the kernel drops watch rules itself when a container's file
 * system is unmounted) does not count. */
int krules_config_change_is_removal(const char *text, size_t len);

#endif
