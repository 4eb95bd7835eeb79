/*
 * privs.h — the daemon's privileges: drop every capability it no longer
 * needs once the audit socket is open and the kernel rules are in
 * (libcap-ng), and refuse configuration and rules files that a non-root
 * user could have written (as auditd refuses its own configuration).
 *
 * Memory: nothing here allocates on the caller's behalf except
 * privs_describe(), whose result the caller frees.
 */
#ifndef KESTREL_DAEMON_PRIVS_H
#define KESTREL_DAEMON_PRIVS_H

#include <stddef.h>
#include <stdint.h>

/*
 * What the running daemon keeps (permitted, effective and bounding set):
 *  CAP_AUDIT_CONTROL   re-adding kernel rules after `auditctl -D`, SIGHUP
 *                      rule reloads, the lost-counter poll (AUDIT_GET), and
 *                      removing the rules and releasing the audit pid at exit
 *  CAP_AUDIT_READ      the multicast (READLOG) group
 *  CAP_DAC_READ_SEARCH reading /proc/<pid>/ files and container state owned by
 *                      others, rules and config files on reload
 *  CAP_SYS_PTRACE      /proc/<pid>/exe, cwd and root of other users' and
 *                      fully privileged processes
 *  CAP_SYS_ADMIN,      setns() into a container's mount namespace to add its
 *  CAP_SYS_CHROOT      path=/dir= kernel rules (src/kernel/kns.h); without
 *                      them those rules fall back to host-wide, wider ones
 * Everything else (CAP_NET_ADMIN, CAP_SETPCAP, CAP_DAC_OVERRIDE,
 * CAP_SETUID ...) goes. PRIVS_KEEP_NET_ADMIN keeps CAP_NET_ADMIN too, for a
 * caller that must still re-create the netlink socket with SO_RCVBUFFORCE.
 */
#define PRIVS_KEEP_NET_ADMIN 0x1u

/* The capability mask (bit = capability number) privs_drop(flags) leaves. */
uint64_t privs_kept_mask(unsigned flags);

/*
 * Drops to the kept set. Call after the audit source is open and
 * krules_install() ran, before the event loop. Returns 0 when the kept
 * set is in force; 1 when there was nothing to drop (not root and no
 * capabilities: a replay or a test); -1 with err filled if the kernel
 * refused (the caller decides whether to stop).
 */
int privs_drop(unsigned flags, char *err, size_t errlen);

/*
 * Refuses a configuration or rules path that a non-root user could have
 * written or replaced: the file (after symlinks) must be owned by root
 * and not writable by group (unless the group is root) or others; the
 * same holds for every directory from it up to /, except sticky
 * directories such as /tmp (a non-root user cannot replace a root-owned
 * entry there). A directory path (rules.d) has each of its .yaml and .yml
 * files checked too. A path that does not exist is not refused here: the
 * loader reports it. Only ownership and mode bits are read, not POSIX ACLs.
 * Returns 0 or -1 with err naming the offending path and why, e.g.
 * "/etc/kestrel/rules.yaml: writable by others (mode 0666): refusing it".
 */
int privs_check_path(const char *path, char *err, size_t errlen);

/* privs_check_path() on each of n paths; stops at the first refusal. */
int privs_check_paths(const char *const *paths, size_t n, char *err, size_t errlen);

/* Effective capabilities as text ("audit_control, audit_read, ..." or
 * "none"), for the log. The caller frees it; NULL on ENOMEM. */
char *privs_describe(void);

#endif
