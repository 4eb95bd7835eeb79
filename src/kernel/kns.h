/*
 * kns.h — kestrel's path=/dir=/exe= kernel rules in other mount
 * namespaces (containers). Those fields are resolved by the kernel once,
 * in the mount namespace of the process that adds the rule, and then match
 * inodes: a host rule on /etc/shadow never sees a container's /etc/shadow.
 * So every ns_bound term of the installed krules set is also added once
 * per other mount namespace with its own root: a forked child setns()es
 * into /proc/<pid>/ns/mnt and sends the rules, prebuilt by the parent with
 * the names resolved under /proc/<pid>/root, on an audit socket opened
 * before the fork. The kernel tells rules apart by their text, so each
 * namespace's copies carry a second key component: "kestrel\001mntns=N"
 * (N = the namespace's inode).
 *
 * Namespaces are found at start (a scan of /proc: a process whose mount
 * namespace differs from kestrel's and whose root differs from "/") and
 * live from pivot_root (audited with the exec rule, KRULES_PROC_NS): the
 * rules for the new namespace are added when its SYSCALL record arrives.
 * WINDOW: between a container's pivot_root and that moment (the record's
 * trip through the kernel queue, plus one fork+setns+add, a few ms; see
 * the report in bench/ and doc) the container's own files are not
 * watched; argument-only rules and exec rules are unaffected.
 *
 * A namespace's rules go when its recorded pid is gone (checked on the
 * tick); the kernel itself drops watch rules when the file system goes
 * away and logs a CONFIG_CHANGE the daemon must not "repair"
 * (krules_config_change_is_removal ignores namespace keys).
 *
 * Fallback (sound): when setns fails (no CAP_SYS_ADMIN/CAP_SYS_CHROOT) or
 * more than KNS_MAX namespaces are tracked, the ns_bound terms are added
 * once, host-wide, without their path=/dir=/exe= fields (key
 * "kestrel\001fallback"), and it is logged and counted.
 *
 * Memory: kns_new() allocates, kns_free() frees (call kns_uninstall()
 * first to remove the rules from the kernel).
 */
#ifndef KESTREL_KERNEL_KNS_H
#define KESTREL_KERNEL_KNS_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/krules.h"

/* Mount namespaces tracked at most; beyond, the host-wide fallback. */
#define KNS_MAX 1024
/* How often the tracked pids are checked (ms). */
#define KNS_CHECK_MS 2000
/* How long the parent waits for a setns child (ms) before killing it. */
#define KNS_CHILD_TIMEOUT_MS 3000

struct kns;

struct kns_stats {
	size_t tracked;     /* namespaces with their own rules now */
	uint64_t added;     /* namespaces added since start */
	uint64_t removed;   /* namespaces removed since start */
	uint64_t fallbacks; /* namespaces served by the host-wide fallback */
	uint64_t last_add_us; /* time the last namespace took to get its rules */
};

/* kr: the installed set (its ns_bound terms are copied; kept, not owned). */
struct kns *kns_new(struct krules *kr);
void kns_free(struct kns *n);

/* Adds the rules of every other mount namespace with its own root found
 * in /proc. Returns the number of namespaces added. */
int kns_scan(struct kns *n);

/* A record from the audit stream: a successful pivot_root's SYSCALL record
 * adds that process's namespace at once. */
void kns_on_record(struct kns *n, int type, const char *text, size_t len);

/* Every tick: namespaces whose pid is gone lose their rules. */
void kns_tick(struct kns *n, uint64_t now_ms);

/* After someone removed rules (auditctl -D): re-adds the missing ones. */
void kns_restore(struct kns *n);

/* SIGHUP: every namespace gets next's rules, then loses the old ones. */
void kns_reload(struct kns *n, struct krules *next);

/* Removes every namespace rule and the fallback rules. */
void kns_uninstall(struct kns *n);

void kns_get_stats(const struct kns *n, struct kns_stats *out);

#endif
