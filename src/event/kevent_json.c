/*
 * kevent_json.c — render a kevent as JSON for --print-events. Strings are
 * attacker-controlled (argv, paths, comm) and may hold any byte: they go
 * through json_bytes() so the output is always valid JSON on one line.
 * kevent_to_json() builds a jansson tree (tests, fuzzing); the hot
 * --print-events path is kevent_json_write.c, which writes the same bytes
 * directly.
 */
#include "config.h"

#include <inttypes.h>
#include <libaudit.h>
#include <stdlib.h>
#include <string.h>

#include "event/kevent_json.h"
#include "util/utf8.h"

json_t *json_bytes(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, extra = 0;

	for (i = 0; i < len;) {
		size_t l = utf8_seqlen(u + i, len - i);
		if (l == 0) {
			extra += 3;
			i++;
		} else {
			if (u[i] == '\\')
				extra += 1;
			i += l;
		}
	}
	if (extra == 0)
		return json_stringn(s, len);
	char *buf = malloc(len + extra + 1);
	if (!buf)
		return NULL;
	size_t o = 0;
	for (i = 0; i < len;) {
		size_t l = utf8_seqlen(u + i, len - i);
		if (l == 0) {
			static const char hex[] = "0123456789abcdef";
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[u[i] >> 4];
			buf[o++] = hex[u[i] & 15];
			i++;
		} else {
			if (u[i] == '\\')
				buf[o++] = '\\';
			memcpy(buf + o, u + i, l);
			o += l;
			i += l;
		}
	}
	json_t *j = json_stringn(buf, o);
	free(buf);
	return j;
}

static void set_str(json_t *o, const char *k, const char *v)
{
	if (v)
		json_object_set_new(o, k, json_bytes(v, strlen(v)));
}

static void set_int(json_t *o, const char *k, int64_t v)
{
	if (v != KEV_UNSET)
		json_object_set_new(o, k, json_integer(v));
}

static json_t *str_array(const char *const *v, int n)
{
	json_t *a = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_bytes(v[i], strlen(v[i])));
	return a;
}

static const char *family_name(enum kev_sa_family f)
{
	switch (f) {
	case KEV_SA_INET:
		return "inet";
	case KEV_SA_INET6:
		return "inet6";
	case KEV_SA_UNIX:
		return "unix";
	case KEV_SA_NETLINK:
		return "netlink";
	case KEV_SA_OTHER:
		return "other";
	default:
		return "none";
	}
}

/* The SYSCALL record's own fields: arch, number, result, arguments. */
static void syscall_to_json(json_t *o, const struct kevent *ev)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%" PRIx32, ev->arch);
	json_object_set_new(o, "arch", json_string(buf));
	json_object_set_new(o, "syscall", json_integer(ev->syscall));
	if (ev->syscall_name)
		json_object_set_new(o, "syscall_name", json_string(ev->syscall_name));
	if (ev->success >= 0)
		json_object_set_new(o, "success", json_boolean(ev->success));
	set_int(o, "exit", ev->exit);
	json_t *a = json_array();
	for (int i = 0; i < 4; i++) {
		snprintf(buf, sizeof(buf), "%" PRIx64, ev->a[i]);
		json_array_append_new(a, json_string(buf));
	}
	json_object_set_new(o, "args", a);
}

/* The PATH records, one object per item. */
static json_t *paths_to_json(const struct kevent *ev)
{
	char buf[64];
	json_t *a = json_array();
	for (int i = 0; i < ev->npaths; i++) {
		const struct kev_path *p = &ev->paths[i];
		json_t *po = json_object();
		json_object_set_new(po, "item", json_integer(p->item));
		if (p->name)
			json_object_set_new(po, "name", json_bytes(p->name, strlen(p->name)));
		else
			json_object_set_new(po, "name", json_null());
		set_str(po, "nametype", p->nametype);
		set_int(po, "inode", p->inode);
		if (p->mode != KEV_UNSET) {
			snprintf(buf, sizeof(buf), "%" PRIo64, (uint64_t)p->mode);
			json_object_set_new(po, "mode", json_string(buf));
		}
		set_int(po, "ouid", p->ouid);
		set_int(po, "ogid", p->ogid);
		if (p->dirfd_unresolved)
			set_int(po, "dirfd", p->dirfd);
		json_array_append_new(a, po);
	}
	return a;
}

/* The SOCKADDR record: family, address, port. */
static json_t *sockaddr_to_json(const struct kevent *ev)
{
	json_t *so = json_object();
	json_object_set_new(so, "family", json_string(family_name(ev->sockaddr.family)));
	if (ev->sockaddr.family == KEV_SA_OTHER)
		json_object_set_new(so, "af", json_integer(ev->sockaddr.raw_family));
	if (ev->sockaddr.addr[0])
		json_object_set_new(so, "addr",
		                    json_bytes(ev->sockaddr.addr, strlen(ev->sockaddr.addr)));
	if (ev->sockaddr.port >= 0)
		json_object_set_new(so, "port", json_integer(ev->sockaddr.port));
	return so;
}

json_t *kevent_to_json(const struct kevent *ev)
{
	json_t *o = json_object();
	char buf[64];

	if (!o)
		return NULL;
	json_object_set_new(o, "time_ns", json_integer((json_int_t)ev->time_ns));
	json_object_set_new(o, "serial", json_integer((json_int_t)ev->serial));
	set_str(o, "node", ev->node);
	const char *tn = audit_msg_type_to_name(ev->first_type);
	if (tn) {
		json_object_set_new(o, "type", json_string(tn));
	} else {
		snprintf(buf, sizeof(buf), "UNKNOWN[%d]", ev->first_type);
		json_object_set_new(o, "type", json_string(buf));
	}
	json_object_set_new(o, "records", json_integer(ev->nrecords));
	if (ev->incomplete)
		json_object_set_new(o, "incomplete", json_true());
	if (ev->has_syscall)
		syscall_to_json(o, ev);
	set_int(o, "pid", ev->pid);
	set_int(o, "ppid", ev->ppid);
	set_int(o, "uid", ev->uid);
	set_int(o, "euid", ev->euid);
	set_int(o, "suid", ev->suid);
	set_int(o, "fsuid", ev->fsuid);
	set_int(o, "gid", ev->gid);
	set_int(o, "egid", ev->egid);
	set_int(o, "sgid", ev->sgid);
	set_int(o, "fsgid", ev->fsgid);
	set_int(o, "auid", ev->auid);
	set_int(o, "ses", ev->ses);
	set_str(o, "tty", ev->tty);
	set_str(o, "comm", ev->comm);
	set_str(o, "exe", ev->exe);
	set_str(o, "key", ev->key);
	set_str(o, "subj", ev->subj);
	set_str(o, "cwd", ev->cwd);
	if (ev->nargv > 0 || ev->argc > 0) {
		json_object_set_new(o, "argc", json_integer(ev->argc));
		json_object_set_new(o, "argv", str_array(ev->argv, ev->nargv));
		if (ev->argv_truncated)
			json_object_set_new(o, "argv_truncated", json_true());
	}
	const char *const *title;
	int ntitle = kevent_proctitle(ev, &title);
	if (ntitle > 0)
		json_object_set_new(o, "proctitle", str_array(title, ntitle));
	if (ev->npaths > 0)
		json_object_set_new(o, "paths", paths_to_json(ev));
	if (ev->has_sockaddr)
		json_object_set_new(o, "sockaddr", sockaddr_to_json(ev));
	if (ev->malformed)
		set_int(o, "malformed_fields", ev->malformed);
	return o;
}
