/*
 * kaudit.h — src/kernel: everything kestrel says to the kernel's audit
 * subsystem on the control side. kaudit is the one place that opens an
 * audit control socket (libaudit), reads the audit status (AUDIT_GET),
 * changes settings (enabled, backlog_limit, backlog_wait_time, rate_limit)
 * and lists the loaded rules. Built on it: krules (kestrel's kernel rules
 * and settings), crashstate (restoring settings after kill -9) and kcheck
 * (`kestrel --check`). The record sources (src/source) keep only their data
 * socket and ask kaudit for status and enable/disable, so control traffic
 * never competes with records.
 *
 * Errors are returned as -errno. Memory: kaudit_list_rules() fills a
 * caller-owned struct kaudit_rules; kaudit_rules_free() frees its copies.
 */
#ifndef KESTREL_KERNEL_KAUDIT_H
#define KESTREL_KERNEL_KAUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <linux/audit.h>

/* audit status "enabled" value of a locked configuration (auditctl -e 2):
 * no rule or setting can change until reboot. */
#define KAUDIT_ENABLED_LOCKED 2
/* How long to wait for one reply of the kernel on the control socket. */
#define KAUDIT_REPLY_TIMEOUT_MS 2000
/* Replies skipped (acks, stray messages) while waiting for AUDIT_GET. */
#define KAUDIT_REPLY_TRIES 8

/* Opens a control socket (quiet libaudit). Returns the fd or -errno. */
int kaudit_open(void);
void kaudit_close(int fd);

/*
 * Kernel audit status (enabled, failure, pid, rate_limit, backlog_limit,
 * lost, backlog, feature_bitmap, backlog_wait_time, ...) through a fresh
 * control socket. Fields an older kernel does not send are 0. Returns 0 or
 * -errno (-ETIMEDOUT when the kernel did not answer).
 */
int kaudit_status(struct audit_status *out);

/* Settings, sent on a control fd from kaudit_open() without waiting for
 * the kernel's ack (as auditctl does). Return 0 or -errno. */
int kaudit_set_enabled(int fd, uint32_t enabled);
int kaudit_set_backlog_limit(int fd, uint32_t limit);
int kaudit_set_backlog_wait_time(int fd, uint32_t ticks);
int kaudit_set_rate_limit(int fd, uint32_t per_second);

/* Rules as the kernel lists them (AUDIT_LIST_RULES); copies, owned. */
struct kaudit_rules {
	struct audit_rule_data **r;
	size_t n, cap;
};
/* Appends every loaded rule to l. Returns 0 or -errno. */
int kaudit_list_rules(int fd, struct kaudit_rules *l);
void kaudit_rules_free(struct kaudit_rules *l);

/* Whether this process can join the read-only multicast group
 * (AUDIT_NLGRP_READLOG), tried the way the multicast source does. Returns
 * 0, or the errno of socket()/bind(). */
int kaudit_probe_multicast(void);

#endif
