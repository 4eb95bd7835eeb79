/*
 * kaudit.c — the audit control socket behind kaudit.h: status, settings
 * and the rule list through libaudit, each reply awaited with a timeout so
 * a silent kernel cannot hang the daemon or `kestrel --check`.
 */
#include "config.h"

#include <errno.h>
#include <libaudit.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kernel/kaudit.h"

/* The multicast group that carries a copy of every record (kernel >= 3.16). */
#ifndef AUDIT_NLGRP_READLOG
#define AUDIT_NLGRP_READLOG 1
#endif

int kaudit_open(void)
{
	int fd;

	/* libaudit would print its own errors to stderr; kestrel reports its own */
	set_aumessage_mode(MSG_QUIET, DBG_NO);
	errno = 0;
	fd = audit_open();
	if (fd < 0)
		return errno ? -errno : -EPROTONOSUPPORT;
	return fd;
}

void kaudit_close(int fd)
{
	if (fd >= 0)
		audit_close(fd);
}

/* Next reply on fd, waiting at most KAUDIT_REPLY_TIMEOUT_MS. Returns 1
 * with rep filled, 0 on timeout, -errno on error. */
static int get_reply(int fd, struct audit_reply *rep)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int rc;

	do
		rc = poll(&p, 1, KAUDIT_REPLY_TIMEOUT_MS);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return -errno;
	if (rc == 0)
		return 0;
	/* zeroed first: an older kernel's shorter reply leaves newer fields 0 */
	memset(rep, 0, sizeof(*rep));
	rc = audit_get_reply(fd, rep, GET_REPLY_NONBLOCKING, 0);
	if (rc <= 0)
		return rc < 0 ? rc : -EIO;
	return 1;
}

/* Payload bytes of a reply. */
static size_t reply_payload(const struct audit_reply *rep)
{
	return rep->len > (int)NLMSG_HDRLEN ? (size_t)rep->len - NLMSG_HDRLEN : 0;
}

static int await_status(int fd, struct audit_status *out)
{
	struct audit_reply rep; /* ~9 KiB, on the stack once per call */

	for (int i = 0; i < KAUDIT_REPLY_TRIES; i++) {
		int rc = get_reply(fd, &rep);
		if (rc <= 0)
			return rc < 0 ? rc : -ETIMEDOUT;
		if (rep.type == NLMSG_ERROR && rep.error->error)
			return rep.error->error;
		if (rep.type == AUDIT_GET) {
			/* older kernels send a shorter struct: copy what came */
			size_t plen = reply_payload(&rep);
			memcpy(out, rep.status, plen < sizeof(*out) ? plen : sizeof(*out));
			return 0;
		}
	}
	return -ETIMEDOUT;
}

int kaudit_status(struct audit_status *out)
{
	int fd, rc;

	memset(out, 0, sizeof(*out));
	if ((fd = kaudit_open()) < 0)
		return fd;
	rc = audit_request_status(fd);
	if (rc <= 0)
		rc = rc < 0 ? rc : -EIO;
	else
		rc = await_status(fd, out);
	kaudit_close(fd);
	return rc;
}

/* libaudit's setters return the request's sequence number (> 0) or -errno. */
static int set_result(int rc)
{
	return rc > 0 ? 0 : rc < 0 ? rc : -EIO;
}

int kaudit_set_enabled(int fd, uint32_t enabled)
{
	return set_result(audit_set_enabled(fd, enabled));
}

int kaudit_set_backlog_limit(int fd, uint32_t limit)
{
	return set_result(audit_set_backlog_limit(fd, limit));
}

int kaudit_set_backlog_wait_time(int fd, uint32_t ticks)
{
	return set_result(audit_set_backlog_wait_time(fd, ticks));
}

int kaudit_set_rate_limit(int fd, uint32_t per_second)
{
	return set_result(audit_set_rate_limit(fd, per_second));
}

/* Copies one AUDIT_LIST_RULES reply into l. Returns 0 or -ENOMEM. */
static int keep_rule(struct kaudit_rules *l, const struct audit_reply *rep)
{
	size_t plen = reply_payload(rep);
	size_t need = sizeof(struct audit_rule_data);

	if (plen < need || plen < need + rep->ruledata->buflen)
		return 0; /* truncated: not a rule anyone can match */
	need += rep->ruledata->buflen;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct audit_rule_data **nr = realloc(l->r, cap * sizeof(*nr));
		if (!nr)
			return -ENOMEM;
		l->r = nr;
		l->cap = cap;
	}
	if (!(l->r[l->n] = malloc(need)))
		return -ENOMEM;
	memcpy(l->r[l->n++], rep->ruledata, need);
	return 0;
}

int kaudit_list_rules(int fd, struct kaudit_rules *l)
{
	struct audit_reply rep;
	int rc;

	if ((rc = audit_request_rules_list_data(fd)) <= 0)
		return rc < 0 ? rc : -EIO;
	for (;;) {
		if ((rc = get_reply(fd, &rep)) <= 0)
			return rc < 0 ? rc : -ETIMEDOUT;
		if (rep.type == NLMSG_DONE)
			return 0;
		if (rep.type == NLMSG_ERROR) {
			if (rep.error->error)
				return rep.error->error;
			continue;
		}
		if (rep.type == AUDIT_LIST_RULES && (rc = keep_rule(l, &rep)) < 0)
			return rc;
	}
}

void kaudit_rules_free(struct kaudit_rules *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->r[i]);
	free(l->r);
	l->r = NULL;
	l->n = l->cap = 0;
}

int kaudit_probe_multicast(void)
{
	struct sockaddr_nl sa;
	int fd, e;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	if (fd < 0)
		return errno;
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	sa.nl_groups = 1U << (AUDIT_NLGRP_READLOG - 1);
	e = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? errno : 0;
	close(fd);
	return e;
}
