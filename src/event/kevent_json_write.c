/*
 * kevent_json_write.c — --print-events without a jansson tree per event:
 * the JSON line is written straight into a reused buffer, byte for byte
 * what json_dumpf(kevent_to_json(ev), JSON_COMPACT) prints (same keys in
 * the same order, same escaping), at a fraction of the cost. The unit
 * test compares the two on hostile bytes; the replay golden test on every
 * fixture.
 */
#include "config.h"

#include <inttypes.h>
#include <libaudit.h>
#include <stdio.h>
#include <string.h>

#include "event/kevent_json.h"
#include "util/buf.h"
#include "util/utf8.h"

static const char hexdig[] = "0123456789abcdef";

/* Set when a buffer could not grow; kevent_json_write() then fails. */
static int json_oom;

/* buf_append() without its call and checks when the room is there: a line
 * is hundreds of small appends. */
static inline void put_n(struct buf *b, const void *s, size_t n)
{
	if (b->len + n + 1 <= b->cap) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
		b->p[b->len] = '\0';
	} else if (buf_append(b, s, n) < 0) {
		json_oom = 1;
	}
}

static inline void put_c(struct buf *b, char c)
{
	if (b->len + 2 <= b->cap) {
		b->p[b->len++] = c;
		b->p[b->len] = '\0';
	} else if (buf_putc(b, c) < 0) {
		json_oom = 1;
	}
}

static inline void put_s(struct buf *b, const char *s)
{
	put_n(b, s, strlen(s));
}

/* One JSON string: the bytes as json_bytes() maps them (invalid UTF-8 to
 * the text \xNN, a backslash doubled), then escaped as jansson escapes
 * (quote, backslash, control characters). */
static void put_bytes(struct buf *b, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;

	put_c(b, '"');
	for (size_t i = 0; i < len;) {
		size_t l = utf8_seqlen(u + i, len - i);
		unsigned char c = u[i];
		if (l == 0) {
			/* the text \xNN, its backslash escaped */
			char t[5] = {'\\', '\\', 'x', hexdig[c >> 4], hexdig[c & 15]};
			put_n(b, t, sizeof(t));
			i++;
			continue;
		}
		if (l > 1 || (c >= 0x20 && c != '"' && c != '\\')) {
			size_t j = i + l;
			/* copy the run of bytes that need no escaping at once */
			while (j < len && u[j] >= 0x20 && u[j] < 0x80 && u[j] != '"' &&
			       u[j] != '\\')
				j++;
			put_n(b, u + i, j - i);
			i = j;
			continue;
		}
		i++;
		switch (c) {
		case '\\':
			put_n(b, "\\\\\\\\", 4); /* doubled by json_bytes, then escaped */
			break;
		case '"':
			put_n(b, "\\\"", 2);
			break;
		case '\b':
			put_n(b, "\\b", 2);
			break;
		case '\f':
			put_n(b, "\\f", 2);
			break;
		case '\n':
			put_n(b, "\\n", 2);
			break;
		case '\r':
			put_n(b, "\\r", 2);
			break;
		case '\t':
			put_n(b, "\\t", 2);
			break;
		default: {
			char t[6] = {'\\', 'u', '0', '0', hexdig[c >> 4], hexdig[c & 15]};
			if (t[4] >= 'a')
				t[4] = (char)(t[4] - 'a' + 'A');
			if (t[5] >= 'a')
				t[5] = (char)(t[5] - 'a' + 'A');
			put_n(b, t, sizeof(t));
		}
		}
	}
	put_c(b, '"');
}

/* Digits of v in base 8, 10 or 16 (lowercase), as printf's %o, %u, %x
 * write them: printf's format parsing was most of the cost of a line. */
static void put_uint(struct buf *b, uint64_t v, unsigned base)
{
	char t[24];
	size_t o = sizeof(t);

	do {
		t[--o] = hexdig[v % base];
		v /= base;
	} while (v);
	put_n(b, t + o, sizeof(t) - o);
}

static void put_dec(struct buf *b, int64_t v)
{
	if (v < 0) {
		put_c(b, '-');
		put_uint(b, (uint64_t)0 - (uint64_t)v, 10);
	} else {
		put_uint(b, (uint64_t)v, 10);
	}
}

/* A number as a JSON string: "1a2b". */
static void put_quoted_uint(struct buf *b, uint64_t v, unsigned base)
{
	put_c(b, '"');
	put_uint(b, v, base);
	put_c(b, '"');
}

/* ,"key": — keys are literals of this file, none needs escaping. */
static void put_key(struct buf *b, int *first, const char *k)
{
	if (!*first)
		put_c(b, ',');
	*first = 0;
	put_c(b, '"');
	put_s(b, k);
	put_n(b, "\":", 2);
}

static void put_str(struct buf *b, int *first, const char *k, const char *v)
{
	if (!v)
		return;
	put_key(b, first, k);
	put_bytes(b, v, strlen(v));
}

static void put_int(struct buf *b, int *first, const char *k, int64_t v)
{
	if (v == KEV_UNSET)
		return;
	put_key(b, first, k);
	put_dec(b, v);
}

static void put_str_array(struct buf *b, const char *const *v, int n)
{
	put_c(b, '[');
	for (int i = 0; i < n; i++) {
		if (i)
			put_c(b, ',');
		put_bytes(b, v[i], strlen(v[i]));
	}
	put_c(b, ']');
}

static const char *family_name(enum kev_sa_family f)
{
	static const char *const names[] = {"none", "inet", "inet6", "unix", "netlink", "other"};
	return (unsigned)f < sizeof(names) / sizeof(names[0]) ? names[f] : "none";
}

static void put_syscall(struct buf *b, int *first, const struct kevent *ev)
{
	put_key(b, first, "arch");
	put_quoted_uint(b, ev->arch, 16);
	put_int(b, first, "syscall", ev->syscall);
	if (ev->syscall_name)
		put_str(b, first, "syscall_name", ev->syscall_name);
	if (ev->success >= 0) {
		put_key(b, first, "success");
		put_s(b, ev->success ? "true" : "false");
	}
	put_int(b, first, "exit", ev->exit);
	put_key(b, first, "args");
	for (int i = 0; i < 4; i++) {
		put_c(b, i ? ',' : '[');
		put_quoted_uint(b, ev->a[i], 16);
	}
	put_c(b, ']');
}

static void put_paths(struct buf *b, int *first, const struct kevent *ev)
{
	put_key(b, first, "paths");
	put_c(b, '[');
	for (int i = 0; i < ev->npaths; i++) {
		const struct kev_path *p = &ev->paths[i];
		int pf = 1;
		put_s(b, i ? ",{" : "{");
		put_int(b, &pf, "item", p->item);
		put_key(b, &pf, "name");
		if (p->name)
			put_bytes(b, p->name, strlen(p->name));
		else
			put_s(b, "null");
		put_str(b, &pf, "nametype", p->nametype);
		put_int(b, &pf, "inode", p->inode);
		if (p->mode != KEV_UNSET) {
			put_key(b, &pf, "mode");
			put_quoted_uint(b, (uint64_t)p->mode, 8);
		}
		put_int(b, &pf, "ouid", p->ouid);
		put_int(b, &pf, "ogid", p->ogid);
		if (p->dirfd_unresolved)
			put_int(b, &pf, "dirfd", p->dirfd);
		put_c(b, '}');
	}
	put_c(b, ']');
}

static void put_sockaddr(struct buf *b, int *first, const struct kev_sockaddr *sa)
{
	int sf = 1;
	put_key(b, first, "sockaddr");
	put_c(b, '{');
	put_str(b, &sf, "family", family_name(sa->family));
	if (sa->family == KEV_SA_OTHER)
		put_int(b, &sf, "af", sa->raw_family);
	if (sa->addr[0])
		put_str(b, &sf, "addr", sa->addr);
	if (sa->port >= 0)
		put_int(b, &sf, "port", sa->port);
	put_c(b, '}');
}

static void put_ids(struct buf *b, int *first, const struct kevent *ev)
{
	put_int(b, first, "pid", ev->pid);
	put_int(b, first, "ppid", ev->ppid);
	put_int(b, first, "uid", ev->uid);
	put_int(b, first, "euid", ev->euid);
	put_int(b, first, "suid", ev->suid);
	put_int(b, first, "fsuid", ev->fsuid);
	put_int(b, first, "gid", ev->gid);
	put_int(b, first, "egid", ev->egid);
	put_int(b, first, "sgid", ev->sgid);
	put_int(b, first, "fsgid", ev->fsgid);
	put_int(b, first, "auid", ev->auid);
	put_int(b, first, "ses", ev->ses);
	put_str(b, first, "tty", ev->tty);
	put_str(b, first, "comm", ev->comm);
	put_str(b, first, "exe", ev->exe);
	put_str(b, first, "key", ev->key);
	put_str(b, first, "subj", ev->subj);
	put_str(b, first, "cwd", ev->cwd);
}

int kevent_json_write(const struct kevent *ev, struct buf *b)
{
	int first = 1;
	const char *tn = audit_msg_type_to_name(ev->first_type);

	json_oom = 0;
	put_c(b, '{');
	put_int(b, &first, "time_ns", (int64_t)ev->time_ns);
	put_int(b, &first, "serial", (int64_t)ev->serial);
	put_str(b, &first, "node", ev->node);
	put_key(b, &first, "type");
	if (tn)
		put_bytes(b, tn, strlen(tn));
	else
		buf_printf(b, "\"UNKNOWN[%d]\"", ev->first_type);
	put_int(b, &first, "records", ev->nrecords);
	if (ev->incomplete) {
		put_key(b, &first, "incomplete");
		put_s(b, "true");
	}
	if (ev->has_syscall)
		put_syscall(b, &first, ev);
	put_ids(b, &first, ev);
	if (ev->nargv > 0 || ev->argc > 0) {
		put_int(b, &first, "argc", ev->argc);
		put_key(b, &first, "argv");
		put_str_array(b, ev->argv, ev->nargv);
		if (ev->argv_truncated) {
			put_key(b, &first, "argv_truncated");
			put_s(b, "true");
		}
	}
	const char *const *title;
	int ntitle = kevent_proctitle(ev, &title);
	if (ntitle > 0) {
		put_key(b, &first, "proctitle");
		put_str_array(b, title, ntitle);
	}
	if (ev->npaths > 0)
		put_paths(b, &first, ev);
	if (ev->has_sockaddr)
		put_sockaddr(b, &first, &ev->sockaddr);
	if (ev->malformed)
		put_int(b, &first, "malformed_fields", ev->malformed);
	put_c(b, '}');
	return json_oom ? -1 : 0;
}

int kevent_print_json(const struct kevent *ev, FILE *out)
{
	static struct buf b; /* reused: --print-events is one thread */

	b.len = 0;
	if (kevent_json_write(ev, &b) < 0 || buf_putc(&b, '\n') < 0)
		return -1;
	return fwrite(b.p, 1, b.len, out) == b.len ? 0 : -1;
}
