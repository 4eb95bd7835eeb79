/*
 * netlink.c — the live record sources behind netlink.h: the audit netlink
 * socket (libnl-3; unicast as the registered audit daemon or multicast on
 * AUDIT_NLGRP_READLOG) and auditd's plugin stream. Each received record goes
 * to the caller's callback unparsed; this file only frames, checks the
 * sender and counts. Only the data socket lives here: status and
 * enable/disable go through src/kernel's control socket (kaudit.h) so they
 * never compete with records.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kernel/kaudit.h"
#include "source/netlink.h"
#include "util/log.h"

/* Datagrams fetched per recvmmsg call: one syscall for a burst of records
 * (an exec event is about seven). The daemon lets records gather for up to
 * a millisecond in a storm (daemon.c), so a read finds tens to hundreds. */
#define NL_BATCH 128
/* One datagram buffer: the kernel's largest record (MAX_AUDIT_MESSAGE_LENGTH,
 * 8970, header included) rounded up, with room for the NUL we add. */
#define NL_DGRAM_MAX 9216
/* First record type; lower types are control replies, not records. */
#define NL_FIRST_RECORD AUDIT_FIRST_USER_MSG
/* The multicast group that carries a copy of every record (kernel >= 3.16). */
#ifndef AUDIT_NLGRP_READLOG
#define AUDIT_NLGRP_READLOG 1
#endif

struct audit_source {
	enum audit_source_mode mode;
	struct audit_source_stats stats;
	int fd;
	int eof;
	/* netlink */
	struct nl_sock *sk;
	int registered;    /* unicast: we set the audit pid */
	int enabled_by_us; /* unicast: we turned auditing on */
	struct mmsghdr *msgs;
	struct iovec *iov;
	struct sockaddr_nl *from;
	char *dgrams; /* NL_BATCH buffers of NL_DGRAM_MAX */
	/* unicast: a second socket, made while the daemon may still force its
	 * receive buffer, joined to the multicast group when the audit pid is
	 * handed over (audit_source_yield) */
	struct nl_sock *spare;
	/* after a hand-over, the first read drops multicast copies of the
	 * records the unicast socket already delivered (serial <= skip_serial) */
	int skipping;
	unsigned long long skip_serial, max_serial;
	/* audisp */
	char *line; /* AUDIT_SOURCE_LINE_MAX + 1 */
	size_t fill;
	int discarding; /* inside an overlong line, dropping until '\n' */
};

const char *audit_source_mode_name(enum audit_source_mode mode)
{
	switch (mode) {
	case AUDIT_SRC_AUTO:
		return "auto";
	case AUDIT_SRC_UNICAST:
		return "unicast";
	case AUDIT_SRC_MULTICAST:
		return "multicast";
	case AUDIT_SRC_AUDISP:
		return "audisp";
	}
	return "?";
}

int audit_source_mode_parse(const char *s)
{
	for (int m = AUDIT_SRC_AUTO; m <= AUDIT_SRC_AUDISP; m++)
		if (strcmp(s, audit_source_mode_name(m)) == 0)
			return m;
	return -1;
}

int audit_source_fd(const struct audit_source *src)
{
	return src->fd;
}

enum audit_source_mode audit_source_mode(const struct audit_source *src)
{
	return src->mode;
}

int audit_source_eof(const struct audit_source *src)
{
	return src->eof;
}

const struct audit_source_stats *audit_source_stats(const struct audit_source *src)
{
	return &src->stats;
}

/* Delivers text[0..len) with a NUL at text[len] for the duration of the
 * call; the byte there (the next message's header) is put back after. */
/* The serial of "audit(SECONDS.MS:SERIAL): ...", 0 if none. */
static unsigned long long record_serial(const char *text, size_t len)
{
	const char *end = text + len, *p = memchr(text, ':', len < 40 ? len : 40);
	unsigned long long n = 0;

	if (!p || len < 7 || memcmp(text, "audit(", 6) != 0)
		return 0;
	for (p++; p < end && *p >= '0' && *p <= '9'; p++)
		n = n * 10 + (unsigned long long)(*p - '0');
	return n;
}

static void deliver(struct audit_source *src, int type, char *text, size_t len, audit_record_cb cb,
                    void *arg)
{
	while (len > 0 && (text[len - 1] == '\0' || text[len - 1] == '\n'))
		len--;
	if (src->mode != AUDIT_SRC_AUDISP) {
		unsigned long long serial = record_serial(text, len);
		if (src->skipping && serial != 0 && serial <= src->skip_serial) {
			src->stats.duplicates++;
			return;
		}
		if (serial > src->max_serial)
			src->max_serial = serial;
	}
	char saved = text[len];
	text[len] = '\0';
	cb(type, text, len, arg);
	text[len] = saved;
	src->stats.records++;
	src->stats.bytes += len;
}

/*
 * One datagram. The kernel sends each record in its own datagram and, for
 * unicast, sets nlmsg_len to the payload length alone (a long-standing
 * quirk, see kernel/audit.c audit_log_end); multicast copies carry the
 * standard length. Both are accepted: a record whose header plus nlmsg_len
 * is exactly the datagram uses the quirk reading.
 */
int audit_source_feed(struct audit_source *src, char *buf, size_t len, uint32_t sender_portid,
                      audit_record_cb cb, void *arg)
{
	int delivered = 0;
	size_t off = 0;

	if (sender_portid != 0) {
		src->stats.spoofed++;
		return 0;
	}
	while (len - off >= NLMSG_HDRLEN) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)(buf + off);
		size_t rem = len - off, payload, step;

		if (nlh->nlmsg_type >= NL_FIRST_RECORD && nlh->nlmsg_len + NLMSG_HDRLEN == rem) {
			payload = nlh->nlmsg_len;
			step = rem;
		} else if (nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > rem) {
			src->stats.malformed++;
			break;
		} else {
			payload = nlh->nlmsg_len - NLMSG_HDRLEN;
			step = NLMSG_ALIGN(nlh->nlmsg_len);
		}
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(nlh);
			if (payload < sizeof(*e))
				src->stats.malformed++;
			else if (e->error != 0) {
				src->stats.nl_errors++;
				log_debug("audit netlink: kernel error %d (%s) for request type %u",
				          e->error, strerror(-e->error), e->msg.nlmsg_type);
			}
		} else if (nlh->nlmsg_type >= NL_FIRST_RECORD) {
			deliver(src, nlh->nlmsg_type, (char *)NLMSG_DATA(nlh), payload, cb, arg);
			delivered++;
		}
		/* NLMSG_DONE, NLMSG_NOOP and control replies (< 1100) carry no record. */
		if (step >= rem)
			break;
		off += step;
	}
	return delivered;
}

static int read_netlink(struct audit_source *src, audit_record_cb cb, void *arg)
{
	int total = 0;

	for (;;) {
		for (int i = 0; i < NL_BATCH; i++) {
			src->iov[i].iov_base = src->dgrams + (size_t)i * NL_DGRAM_MAX;
			/* keep one byte so a record that fills its buffer can be NUL-terminated */
			src->iov[i].iov_len = NL_DGRAM_MAX - 1;
			memset(&src->msgs[i].msg_hdr, 0, sizeof(src->msgs[i].msg_hdr));
			src->msgs[i].msg_hdr.msg_iov = &src->iov[i];
			src->msgs[i].msg_hdr.msg_iovlen = 1;
			src->msgs[i].msg_hdr.msg_name = &src->from[i];
			src->msgs[i].msg_hdr.msg_namelen = sizeof(src->from[i]);
		}
		int n = recvmmsg(src->fd, src->msgs, NL_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return total;
			if (errno == ENOBUFS) {
				/* The socket overflowed and the kernel dropped records for
				 * us; the socket itself is fine, keep reading. Said at the
				 * 1st, 2nd, 4th, 8th ... time so a storm cannot flood the log. */
				uint64_t k = ++src->stats.enobufs;
				if ((k & (k - 1)) == 0)
					log_warnx(
					    "audit netlink: receive buffer overflowed, records "
					    "lost (%llu times so far; raise audit.buffer_size)",
					    (unsigned long long)k);
				continue;
			}
			return -1;
		}
		src->stats.batches++;
		for (int i = 0; i < n; i++) {
			if (src->msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
				src->stats.malformed++;
				continue;
			}
			total += audit_source_feed(src, src->iov[i].iov_base, src->msgs[i].msg_len,
			                           src->from[i].nl_pid, cb, arg);
		}
		/* no early return on a short batch: a pending socket error
		 * (ENOBUFS) is only reported by the next call */
		if (total >= AUDIT_SOURCE_READ_MAX)
			return total;
	}
}

/* Audisp: split the stream into lines; a line longer than the buffer is
 * dropped whole and counted. The bound is checked after each read: every
 * complete line read is delivered before returning, so none waits in the
 * buffer for an fd that epoll no longer reports readable. */
static int read_audisp(struct audit_source *src, audit_record_cb cb, void *arg)
{
	int total = 0;

	while (total < AUDIT_SOURCE_READ_MAX) {
		ssize_t n = read(src->fd, src->line + src->fill, AUDIT_SOURCE_LINE_MAX - src->fill);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return total;
			return -1;
		}
		if (n == 0) {
			if (src->fill > 0 && !src->discarding) {
				deliver(src, 0, src->line, src->fill, cb, arg);
				total++;
			}
			src->fill = 0;
			src->eof = 1;
			return total;
		}
		src->stats.batches++;
		size_t start = 0, end = src->fill + (size_t)n;
		for (size_t i = src->fill; i < end; i++) {
			if (src->line[i] != '\n')
				continue;
			if (src->discarding)
				src->discarding = 0;
			else if (i > start) {
				deliver(src, 0, src->line + start, i - start, cb, arg);
				total++;
			}
			start = i + 1;
		}
		src->fill = end - start;
		memmove(src->line, src->line + start, src->fill);
		if (src->fill == AUDIT_SOURCE_LINE_MAX) {
			if (!src->discarding)
				src->stats.overlong++;
			src->discarding = 1;
			src->fill = 0;
		}
	}
	return total;
}

int audit_source_read(struct audit_source *src, audit_record_cb cb, void *arg)
{
	if (src->mode == AUDIT_SRC_AUDISP)
		return src->eof ? 0 : read_audisp(src, cb, arg);
	int n = read_netlink(src, cb, arg);
	src->skipping = 0; /* the copies queued before the hand-over are read */
	return n;
}

/* Largest receive buffer we can get: SO_RCVBUFFORCE ignores rmem_max but
 * needs CAP_NET_ADMIN; SO_RCVBUF is capped by net.core.rmem_max. */
static void set_rcvbuf(struct audit_source *src, int want)
{
	socklen_t sl = sizeof(src->stats.rcvbuf);

	if (setsockopt(src->fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof(want)) < 0 &&
	    setsockopt(src->fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof(want)) < 0)
		log_warn("audit netlink: cannot set receive buffer to %d bytes", want);
	if (getsockopt(src->fd, SOL_SOCKET, SO_RCVBUF, &src->stats.rcvbuf, &sl) < 0)
		src->stats.rcvbuf = 0;
}

static int pid_alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

/* Audit's AUDIT_SET carrying only the pid, sent on the data socket: the
 * kernel sends records to the port that registered. */
static int send_set_pid(struct audit_source *src, uint32_t pid)
{
	struct audit_status s;

	memset(&s, 0, sizeof(s));
	s.mask = AUDIT_STATUS_PID;
	s.pid = pid;
	int rc = nl_send_simple(src->sk, AUDIT_SET, 0, &s, sizeof(s));
	return rc < 0 ? rc : 0;
}

/* After a failed AUDIT_SET the kernel queued an NLMSG_ERROR on the socket. */
static int pending_error(struct audit_source *src)
{
	char buf[NL_DGRAM_MAX];
	ssize_t n = recv(src->fd, buf, sizeof(buf), MSG_DONTWAIT);
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;

	if (n >= (ssize_t)(NLMSG_HDRLEN + sizeof(struct nlmsgerr)) &&
	    nlh->nlmsg_type == NLMSG_ERROR)
		return ((const struct nlmsgerr *)NLMSG_DATA(nlh))->error;
	return 0;
}

/* The hand-over socket: same receive buffer as the data socket. */
static int open_spare(struct audit_source *src)
{
	int want = src->stats.rcvbuf / 2; /* getsockopt reports twice what was set */
	int fd;

	if (!(src->spare = nl_socket_alloc()))
		return -1;
	nl_socket_disable_seq_check(src->spare);
	if (nl_connect(src->spare, NETLINK_AUDIT) < 0 || nl_socket_set_nonblocking(src->spare) < 0)
		return -1;
	fd = nl_socket_get_fd(src->spare);
	if (want > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof(want)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof(want)) < 0)
		log_warn("audit netlink: spare socket receive buffer");
	return 0;
}

int audit_source_yield(struct audit_source *src, audit_record_cb cb, void *arg, char *err,
                       size_t errlen)
{
	int rc;

	if (src->mode != AUDIT_SRC_UNICAST || !src->registered || !src->spare) {
		snprintf(err, errlen, "not the registered audit daemon, or no spare socket");
		return -1;
	}
	/* join first, then let go: a record is never in neither socket */
	if ((rc = nl_socket_add_membership(src->spare, AUDIT_NLGRP_READLOG)) < 0) {
		snprintf(err, errlen, "cannot join the multicast read group: %s", nl_geterror(rc));
		return -1;
	}
	if ((rc = send_set_pid(src, 0)) < 0) {
		snprintf(err, errlen, "cannot release the audit pid: %s", nl_geterror(rc));
		nl_socket_drop_membership(src->spare, AUDIT_NLGRP_READLOG);
		return -1;
	}
	/* what the kernel sent us as the audit daemon, up to the release */
	if (read_netlink(src, cb, arg) < 0)
		log_warn("audit netlink: draining the unicast socket");
	/* the released socket is the spare of a later audit_source_reclaim */
	struct nl_sock *old = src->sk;
	src->sk = src->spare;
	src->spare = old;
	src->fd = nl_socket_get_fd(src->sk);
	src->mode = AUDIT_SRC_MULTICAST;
	src->registered = 0;
	src->enabled_by_us = 0; /* the new audit daemon relies on auditing being on */
	src->skip_serial = src->max_serial;
	src->skipping = 1;
	return 0;
}

int audit_source_reclaim(struct audit_source *src, audit_record_cb cb, void *arg, char *err,
                         size_t errlen)
{
	struct nl_sock *mc = src->sk;
	struct audit_status st;
	int rc;

	if (src->mode != AUDIT_SRC_MULTICAST || !src->spare) {
		snprintf(err, errlen, "not a multicast source, or no spare socket");
		return -1;
	}
	/* register first, then leave the group: a record is never in neither */
	src->sk = src->spare;
	rc = send_set_pid(src, (uint32_t)getpid());
	src->sk = mc;
	if (rc < 0 || kaudit_status(&st) < 0 || st.pid != (uint32_t)getpid()) {
		snprintf(err, errlen, "the kernel did not take kestrel as the audit daemon%s",
		         rc < 0 ? "" : " (another one registered first)");
		return -1;
	}
	nl_socket_drop_membership(mc, AUDIT_NLGRP_READLOG);
	if (read_netlink(src, cb, arg) < 0) /* the copies up to now */
		log_warn("audit netlink: draining the multicast socket");
	src->sk = src->spare;
	src->spare = mc;
	src->fd = nl_socket_get_fd(src->sk);
	src->mode = AUDIT_SRC_UNICAST;
	src->registered = 1;
	src->skip_serial = src->max_serial;
	src->skipping = 1;
	return 0;
}

static int open_unicast(struct audit_source *src, char *err, size_t errlen)
{
	struct audit_status st;
	int rc;

	if ((rc = send_set_pid(src, (uint32_t)getpid())) < 0) {
		snprintf(err, errlen, "audit netlink: cannot send AUDIT_SET pid: %s",
		         nl_geterror(rc));
		return -1;
	}
	/* The kernel handles AUDIT_SET inside our sendmsg, so status is final now. */
	if ((rc = kaudit_status(&st)) < 0) {
		snprintf(err, errlen, "audit status: %s", strerror(-rc));
		return -1;
	}
	if (st.pid != (uint32_t)getpid()) {
		int e = pending_error(src);
		if (st.pid != 0)
			snprintf(err, errlen,
			         "cannot register as the audit daemon: pid %u is registered "
			         "(use multicast mode beside auditd)",
			         st.pid);
		else
			snprintf(err, errlen, "cannot register as the audit daemon: %s",
			         e ? strerror(-e) : "kernel refused");
		return -1;
	}
	src->registered = 1;
	if (open_spare(src) < 0)
		log_warnx("audit netlink: no spare socket: the audit pid cannot be handed over "
		          "to an auditd started later");
	if (st.enabled == 0) {
		int fd = kaudit_open();
		if (fd < 0 || kaudit_set_enabled(fd, 1) < 0)
			log_warnx("audit: cannot turn auditing on; no records will arrive");
		else {
			src->enabled_by_us = 1;
			log_info("audit: auditing was off, turned it on (restored on exit)");
		}
		kaudit_close(fd);
	}
	return 0;
}

static int open_multicast(struct audit_source *src, char *err, size_t errlen)
{
	int rc = nl_socket_add_membership(src->sk, AUDIT_NLGRP_READLOG);

	if (rc < 0) {
		snprintf(err, errlen,
		         "audit netlink: cannot join the multicast read group: %s "
		         "(needs CAP_AUDIT_READ, kernel >= 3.16, the initial user and network "
		         "namespaces)",
		         nl_geterror(rc));
		return -1;
	}
	return 0;
}

static enum audit_source_mode choose_mode(void)
{
	struct audit_status st;

	if (kaudit_status(&st) < 0) {
		log_warnx("audit: cannot read the audit status; trying unicast");
		return AUDIT_SRC_UNICAST;
	}
	if (st.pid != 0 && pid_alive((pid_t)st.pid)) {
		log_info("audit source: an audit daemon (pid %u) is registered, using multicast",
		         st.pid);
		return AUDIT_SRC_MULTICAST;
	}
	log_info("audit source: no audit daemon registered, using unicast");
	return AUDIT_SRC_UNICAST;
}

static int open_netlink(struct audit_source *src, const struct audit_source_opts *opts, char *err,
                        size_t errlen)
{
	int rc;

	src->msgs = calloc(NL_BATCH, sizeof(*src->msgs));
	src->iov = calloc(NL_BATCH, sizeof(*src->iov));
	src->from = calloc(NL_BATCH, sizeof(*src->from));
	src->dgrams = malloc((size_t)NL_BATCH * NL_DGRAM_MAX);
	src->sk = nl_socket_alloc();
	if (!src->msgs || !src->iov || !src->from || !src->dgrams || !src->sk) {
		snprintf(err, errlen, "audit netlink: out of memory");
		return -1;
	}
	nl_socket_disable_seq_check(src->sk);
	if ((rc = nl_connect(src->sk, NETLINK_AUDIT)) < 0) {
		snprintf(err, errlen, "audit netlink: cannot open the audit socket: %s",
		         nl_geterror(rc));
		return -1;
	}
	src->fd = nl_socket_get_fd(src->sk);
	set_rcvbuf(src, opts->rcvbuf > 0 ? opts->rcvbuf : AUDIT_SOURCE_RCVBUF_DEFAULT);
	if (src->mode == AUDIT_SRC_AUTO)
		src->mode = choose_mode();
	rc = src->mode == AUDIT_SRC_UNICAST ? open_unicast(src, err, errlen)
	                                    : open_multicast(src, err, errlen);
	if (rc < 0)
		return -1;
	if (src->mode == AUDIT_SRC_MULTICAST && open_spare(src) < 0)
		log_warnx("audit netlink: no spare socket: kestrel cannot take over when the "
		          "audit daemon stops");
	if ((rc = nl_socket_set_nonblocking(src->sk)) < 0) {
		snprintf(err, errlen, "audit netlink: %s", nl_geterror(rc));
		return -1;
	}
	return 0;
}

static int open_audisp(struct audit_source *src, const struct audit_source_opts *opts, char *err,
                       size_t errlen)
{
	src->fd = opts->input_fd > 0 ? opts->input_fd : STDIN_FILENO;
	src->line = malloc(AUDIT_SOURCE_LINE_MAX + 1);
	if (!src->line) {
		snprintf(err, errlen, "audisp: out of memory");
		return -1;
	}
	int fl = fcntl(src->fd, F_GETFL);
	if (fl < 0 || fcntl(src->fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "audisp: fd %d: %s", src->fd, strerror(errno));
		return -1;
	}
	return 0;
}

struct audit_source *audit_source_open(const struct audit_source_opts *opts, char *err,
                                       size_t errlen)
{
	struct audit_source *src = calloc(1, sizeof(*src));
	int rc;

	if (!src) {
		snprintf(err, errlen, "audit source: out of memory");
		return NULL;
	}
	src->fd = -1;
	src->mode = opts->mode;
	if (src->mode == AUDIT_SRC_AUDISP)
		rc = open_audisp(src, opts, err, errlen);
	else
		rc = open_netlink(src, opts, err, errlen);
	if (rc < 0) {
		audit_source_close(src);
		return NULL;
	}
	return src;
}

static void unicast_release(struct audit_source *src)
{
	struct audit_status st;

	if (kaudit_status(&st) < 0) {
		log_warnx("audit: cannot read the audit status at exit");
		return;
	}
	if (src->registered && st.pid == (uint32_t)getpid()) {
		if (send_set_pid(src, 0) < 0)
			log_warnx("audit: cannot unregister as the audit daemon");
	}
	if (src->enabled_by_us && st.enabled == 1) {
		int fd = kaudit_open();
		if (fd < 0 || kaudit_set_enabled(fd, 0) < 0)
			log_warnx("audit: cannot turn auditing back off");
		kaudit_close(fd);
	}
}

void audit_source_close(struct audit_source *src)
{
	if (!src)
		return;
	if (src->mode == AUDIT_SRC_UNICAST && src->sk && (src->registered || src->enabled_by_us))
		unicast_release(src);
	if (src->sk)
		nl_socket_free(src->sk); /* closes the fd */
	if (src->spare)
		nl_socket_free(src->spare);
	free(src->msgs);
	free(src->iov);
	free(src->from);
	free(src->dgrams);
	free(src->line);
	free(src);
}
