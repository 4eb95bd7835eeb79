/*
 * fdtable.c — per-process file-descriptor table rebuilt from audit events
 * (see fdtable.h). Entries live in a small array searched linearly: a
 * process rarely has more than a few dozen described fds, and the bound
 * keeps the worst case at FDTABLE_MAX comparisons.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "proc/fdtable.h"

/* fcntl commands that duplicate (F_DUPFD, F_DUPFD_CLOEXEC). */
#define FDT_F_DUPFD 0
#define FDT_F_DUPFD_CLOEXEC 1030
/* connect on a non-blocking socket: in progress, as good as connected. */
#define FDT_EINPROGRESS (-115)

struct fdtable {
	size_t n, cap;
	uint64_t seq;
	struct fd_entry *e;
};

enum fd_op {
	OP_NONE = 0,
	OP_SOCKET,
	OP_CONNECT,
	OP_ACCEPT,
	OP_BIND,
	OP_LISTEN,
	OP_OPEN,
	OP_MEMFD,
	OP_DUP,
	OP_FCNTL,
	OP_CLOSE,
	OP_SEND,
	OP_PAIR,
};

static uint64_t evictions;
static uint64_t local_lookups, local_misses;

static int is(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

/* Dispatch on the first letter: most events cost one or two strcmp. */
static enum fd_op op_of(const char *n)
{
	if (!n)
		return OP_NONE;
	switch (n[0]) {
	case 'a':
		return is(n, "accept") || is(n, "accept4") ? OP_ACCEPT : OP_NONE;
	case 'b':
		return is(n, "bind") ? OP_BIND : OP_NONE;
	case 'c':
		if (is(n, "connect"))
			return OP_CONNECT;
		if (is(n, "close"))
			return OP_CLOSE;
		return is(n, "creat") ? OP_OPEN : OP_NONE;
	case 'd':
		return is(n, "dup") || is(n, "dup2") || is(n, "dup3") ? OP_DUP : OP_NONE;
	case 'f':
		return is(n, "fcntl") ? OP_FCNTL : OP_NONE;
	case 'l':
		return is(n, "listen") ? OP_LISTEN : OP_NONE;
	case 'm':
		return is(n, "memfd_create") ? OP_MEMFD : OP_NONE;
	case 'p':
		return is(n, "pipe") || is(n, "pipe2") ? OP_PAIR : OP_NONE;
	case 'o':
		return is(n, "open") || is(n, "openat") || is(n, "openat2") ||
		               is(n, "open_by_handle_at")
		           ? OP_OPEN
		           : OP_NONE;
	case 's':
		if (is(n, "socket"))
			return OP_SOCKET;
		if (is(n, "socketpair"))
			return OP_PAIR;
		return is(n, "sendto") || is(n, "sendmsg") ? OP_SEND : OP_NONE;
	default:
		return OP_NONE;
	}
}

int fdtable_is_fd_syscall(const char *syscall_name)
{
	return op_of(syscall_name) != OP_NONE;
}

uint64_t fdtable_evictions(void)
{
	return evictions;
}

void fdtable_free(struct fdtable *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->e[i].name);
	free(t->e);
	free(t);
}

struct fdtable *fdtable_clone(const struct fdtable *t)
{
	if (!t || !t->n)
		return NULL;
	struct fdtable *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->e = malloc(t->n * sizeof(*c->e));
	if (!c->e) {
		free(c);
		return NULL;
	}
	c->cap = t->n;
	c->seq = t->seq;
	for (size_t i = 0; i < t->n; i++) {
		c->e[i] = t->e[i];
		c->e[i].name = NULL;
		if (t->e[i].name && !(c->e[i].name = strdup(t->e[i].name))) {
			c->n = i;
			fdtable_free(c);
			return NULL;
		}
	}
	c->n = t->n;
	return c;
}

static struct fd_entry *find(const struct fdtable *t, int fd)
{
	if (!t)
		return NULL;
	for (size_t i = 0; i < t->n; i++)
		if (t->e[i].fd == fd)
			return &t->e[i];
	return NULL;
}

const struct fd_entry *fdtable_get(const struct fdtable *t, int fd)
{
	return find(t, fd);
}

size_t fdtable_size(const struct fdtable *t)
{
	return t ? t->n : 0;
}

static void drop(struct fdtable *t, int fd)
{
	struct fd_entry *e = find(t, fd);
	if (!e)
		return;
	free(e->name);
	*e = t->e[--t->n];
}

static void evict_oldest(struct fdtable *t)
{
	size_t old = 0;
	for (size_t i = 1; i < t->n; i++)
		if (t->e[i].seq < t->e[old].seq)
			old = i;
	evictions++;
	drop(t, t->e[old].fd);
}

/* A fresh entry for fd (replacing what the number held), or NULL. */
static struct fd_entry *put(struct fdtable **tp, int fd)
{
	struct fdtable *t = *tp;
	if (!t && !(t = *tp = calloc(1, sizeof(*t))))
		return NULL;
	drop(t, fd);
	if (t->n >= FDTABLE_MAX)
		evict_oldest(t);
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 2;
		if (cap > FDTABLE_MAX)
			cap = FDTABLE_MAX;
		struct fd_entry *ne = realloc(t->e, cap * sizeof(*ne));
		if (!ne)
			return NULL;
		t->e = ne;
		t->cap = cap;
	}
	struct fd_entry *e = &t->e[t->n++];
	memset(e, 0, sizeof(*e));
	e->fd = fd;
	e->lport = e->rport = -1;
	e->seq = ++t->seq;
	return e;
}

int fdtable_kind_of_family(int af)
{
	switch (af) {
	case AF_INET:
		return FDK_IPV4;
	case AF_INET6:
		return FDK_IPV6;
	case AF_UNIX:
		return FDK_UNIX;
	case AF_NETLINK:
		return FDK_NETLINK;
	default:
		return FDK_SOCK;
	}
}

static int l4_of(int kind, uint64_t type, uint64_t proto)
{
	if (kind != FDK_IPV4 && kind != FDK_IPV6)
		return FDL4_NONE;
	switch ((int)(type & 0xf)) {
	case SOCK_STREAM:
		return FDL4_TCP;
	case SOCK_DGRAM:
		return proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6 ? FDL4_ICMP : FDL4_UDP;
	case SOCK_RAW:
		return FDL4_RAW;
	default:
		return FDL4_NONE;
	}
}

static int ev_ok(const struct kevent *ev)
{
	return ev->exit != KEV_UNSET && ev->exit >= 0;
}

static int set_name(struct fd_entry *e, const char *a, const char *b)
{
	size_t la = strlen(a), lb = b ? strlen(b) : 0;
	char *s = malloc(la + lb + 2);
	if (!s)
		return -1;
	memcpy(s, a, la);
	if (b) {
		size_t k = la;
		if (la && a[la - 1] != '/')
			s[k++] = '/';
		memcpy(s + k, b, lb);
		s[k + lb] = '\0';
	} else
		s[la] = '\0';
	free(e->name);
	e->name = s;
	return 0;
}

/* Copies an inet/unix SOCKADDR of ev into the local or remote end. */
static int take_addr(struct fd_entry *e, const struct kevent *ev, int remote)
{
	const struct kev_sockaddr *sa = &ev->sockaddr;
	if (!ev->has_sockaddr)
		return 0;
	if (e->kind == FDK_UNKNOWN)
		e->kind = (uint8_t)fdtable_kind_of_family(sa->raw_family);
	if (sa->family == KEV_SA_UNIX)
		return set_name(e, sa->addr, NULL);
	if (sa->family != KEV_SA_INET && sa->family != KEV_SA_INET6)
		return 0;
	uint8_t *ip = remote ? e->rip : e->lip;
	memset(ip, 0, 16);
	if (e->kind == FDK_IPV6 && sa->family == KEV_SA_INET) {
		/* an IPv4 peer of an IPv6 socket: the v4-mapped address */
		ip[10] = ip[11] = 0xff;
		if (inet_pton(AF_INET, sa->addr, ip + 12) != 1)
			return 0;
	} else if (inet_pton(sa->family == KEV_SA_INET6 ? AF_INET6 : AF_INET, sa->addr, ip) != 1)
		return 0;
	if (remote) {
		e->has_remote = 1;
		e->rport = sa->port;
	} else {
		e->has_local = 1;
		e->lport = sa->port;
	}
	return 0;
}

static int on_open(struct fdtable **t, const struct kevent *ev)
{
	struct fd_entry *e = put(t, (int)ev->exit);
	if (!e)
		return -1;
	e->kind = FDK_FILE;
	const struct kev_path *p = NULL;
	for (int i = 0; i < ev->npaths; i++) {
		const struct kev_path *q = &ev->paths[i];
		if (q->name && !(q->nametype && strcmp(q->nametype, "PARENT") == 0))
			p = q;
	}
	if (!p)
		return 1;
	if (p->mode != KEV_UNSET && S_ISDIR((mode_t)p->mode))
		e->kind = FDK_DIR;
	if (p->name[0] == '/' || p->dirfd_unresolved || !ev->cwd)
		return set_name(e, p->dirfd_unresolved ? "<UNKNOWN>" : p->name,
		                p->dirfd_unresolved ? p->name : NULL) < 0
		           ? -1
		           : 1;
	return set_name(e, ev->cwd, p->name) < 0 ? -1 : 1;
}

/* dup/dup2/dup3/fcntl(F_DUPFD*): the result takes the source's entry. */
static int on_dup(struct fdtable **t, const struct kevent *ev)
{
	int from = (int)ev->a[0], to = (int)ev->exit;
	if (from == to)
		return 0;
	const struct fd_entry *src = find(*t, from);
	if (!src) {
		drop(*t, to);
		return 1;
	}
	struct fd_entry copy = *src;
	char *name = src->name ? strdup(src->name) : NULL;
	if (src->name && !name)
		return -1;
	struct fd_entry *e = put(t, to);
	if (!e) {
		free(name);
		return -1;
	}
	uint64_t seq = e->seq;
	*e = copy;
	e->fd = to;
	e->seq = seq;
	e->name = name;
	return 1;
}

/* accept/accept4: a new connected server-side fd; SOCKADDR is the peer. */
static int on_accept(struct fdtable **t, const struct kevent *ev)
{
	const struct fd_entry *l = find(*t, (int)ev->a[0]);
	struct fd_entry lc = {0};
	if (l)
		lc = *l;
	struct fd_entry *e = put(t, (int)ev->exit);
	if (!e)
		return -1;
	if (l) {
		e->kind = lc.kind;
		e->l4 = lc.l4;
		e->has_local = lc.has_local;
		e->lport = lc.lport;
		memcpy(e->lip, lc.lip, sizeof(e->lip));
	}
	e->is_server = 1;
	e->connected = 1;
	return take_addr(e, ev, 1) < 0 ? -1 : 1;
}

/* connect/bind/listen: describe an existing fd (created unseen: make it). */
static int on_describe(struct fdtable **t, const struct kevent *ev, enum fd_op op)
{
	int fd = (int)ev->a[0];
	int ok = ev_ok(ev) || (op == OP_CONNECT && ev->exit == FDT_EINPROGRESS);
	if (!ok)
		return 0;
	struct fd_entry *e = find(*t, fd);
	if (!e && !(e = put(t, fd)))
		return -1;
	e->seq = ++(*t)->seq;
	if (op == OP_LISTEN) {
		e->is_server = 1;
		return 1;
	}
	if (op == OP_CONNECT) {
		e->connected = 1;
		e->local_tried = 0; /* a new connection: a new local end to look up */
	}
	return take_addr(e, ev, op == OP_CONNECT) < 0 ? -1 : 1;
}

/* sendto/sendmsg with an address on an unconnected socket: the remote end
 * is the address; name_changed tells whether it differs from the last. */
static int on_send(struct fdtable **t, const struct kevent *ev)
{
	char old[FDTABLE_IPLEN];
	const struct kev_sockaddr *sa = &ev->sockaddr;
	if (!ev_ok(ev) || !ev->has_sockaddr ||
	    (sa->family != KEV_SA_INET && sa->family != KEV_SA_INET6))
		return 0;
	struct fd_entry *e = find(*t, (int)ev->a[0]);
	if (e && e->connected)
		return 0;
	if (!e && !(e = put(t, (int)ev->a[0])))
		return -1;
	int same = e->has_remote && e->rport == sa->port && fdtable_ip_text(e, 0, old) &&
	           strcmp(old, sa->addr) == 0;
	take_addr(e, ev, 1);
	e->name_changed = !same;
	return 1;
}

/* pipe/pipe2/socketpair: the FD_PAIR record names the two new fds. */
static int on_pair(struct fdtable **t, const struct kevent *ev)
{
	int sock = ev->syscall_name[0] == 's';
	if (ev->exit != 0 || ev->fd_pair[0] < 0 || ev->fd_pair[1] < 0)
		return 0;
	for (int i = 0; i < 2; i++) {
		struct fd_entry *e = put(t, ev->fd_pair[i]);
		if (!e)
			return -1;
		e->kind = sock ? (uint8_t)fdtable_kind_of_family((int)ev->a[0]) : FDK_PIPE;
		e->l4 = sock ? (uint8_t)l4_of(e->kind, ev->a[1], ev->a[2]) : FDL4_NONE;
		e->connected = sock;
	}
	return 1;
}

static int on_socket(struct fdtable **t, const struct kevent *ev)
{
	struct fd_entry *e = put(t, (int)ev->exit);
	if (!e)
		return -1;
	e->kind = (uint8_t)fdtable_kind_of_family((int)ev->a[0]);
	e->l4 = (uint8_t)l4_of(e->kind, ev->a[1], ev->a[2]);
	return 1;
}

int fdtable_apply(struct fdtable **t, const struct kevent *ev)
{
	enum fd_op op = op_of(ev->syscall_name);
	struct fd_entry *e;

	switch (op) {
	case OP_NONE:
		return 0;
	case OP_SOCKET:
		return ev_ok(ev) ? on_socket(t, ev) : 0;
	case OP_CONNECT:
	case OP_BIND:
	case OP_LISTEN:
		return on_describe(t, ev, op);
	case OP_ACCEPT:
		return ev_ok(ev) ? on_accept(t, ev) : 0;
	case OP_OPEN:
		return ev_ok(ev) ? on_open(t, ev) : 0;
	case OP_MEMFD:
		if (!ev_ok(ev))
			return 0;
		if (!(e = put(t, (int)ev->exit)))
			return -1;
		e->kind = FDK_MEMFD;
		return 1;
	case OP_FCNTL:
		if (ev->a[1] != FDT_F_DUPFD && ev->a[1] != FDT_F_DUPFD_CLOEXEC)
			return 0;
		/* fall through */
	case OP_DUP:
		return ev_ok(ev) ? on_dup(t, ev) : 0;
	case OP_SEND:
		return on_send(t, ev);
	case OP_PAIR:
		return on_pair(t, ev);
	case OP_CLOSE:
		if (ev->exit != 0 || !*t)
			return 0;
		drop(*t, (int)ev->a[0]);
		return 1;
	}
	return 0;
}

const char *fdtable_ip_text(const struct fd_entry *e, int local, char out[FDTABLE_IPLEN])
{
	out[0] = '\0';
	if (!(local ? e->has_local : e->has_remote))
		return out;
	if (!inet_ntop(e->kind == FDK_IPV6 ? AF_INET6 : AF_INET, local ? e->lip : e->rip, out,
	               FDTABLE_IPLEN))
		out[0] = '\0';
	return out;
}

const char *fdtable_kind_name(int kind)
{
	static const char *const names[] = {
	    [FDK_FILE] = "file", [FDK_DIR] = "directory", [FDK_IPV4] = "ipv4",
	    [FDK_IPV6] = "ipv6", [FDK_UNIX] = "unix",     [FDK_NETLINK] = "netlink",
	    [FDK_SOCK] = "sock", [FDK_PIPE] = "pipe",     [FDK_MEMFD] = "memfd",
	};
	if (kind <= FDK_UNKNOWN || kind > FDK_MEMFD)
		return NULL;
	return names[kind];
}

char fdtable_kind_char(int kind)
{
	static const char chars[] = {
	    [FDK_FILE] = 'f', [FDK_DIR] = 'd',  [FDK_IPV4] = '4',
	    [FDK_IPV6] = '6', [FDK_UNIX] = 'u', [FDK_NETLINK] = 'n',
	    [FDK_SOCK] = 's', [FDK_PIPE] = 'p', [FDK_MEMFD] = 'm',
	};
	if (kind <= FDK_UNKNOWN || kind > FDK_MEMFD)
		return '\0';
	return chars[kind];
}

/* ---- the local end of a connected socket, live (see fdtable.h) ---- */

int fdtable_needs_local(const struct fd_entry *e)
{
	static const uint8_t zero[16];
	if (!e || e->local_tried || !e->connected || (e->kind != FDK_IPV4 && e->kind != FDK_IPV6))
		return 0;
	return !e->has_local || e->lport <= 0 ||
	       memcmp(e->lip, zero, e->kind == FDK_IPV4 ? 4 : 16) == 0;
}

/* The inode of procroot/<pid>/fd/<fd> when it is a socket, else 0. */
static unsigned long socket_inode(const char *procroot, int64_t pid, int fd)
{
	char path[PATH_MAX], link[64];
	unsigned long ino = 0;
	snprintf(path, sizeof(path), "%s/%" PRId64 "/fd/%d", procroot, pid, fd);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return 0;
	link[n] = '\0';
	if (sscanf(link, "socket:[%lu]", &ino) != 1)
		return 0;
	return ino;
}

/* /proc/net/tcp's address: 32-bit words printed as the kernel holds them
 * in memory (network order bytes read as a native integer). */
static int net_addr(const char *hex, uint8_t out[16], size_t len)
{
	char word[9];
	if (strlen(hex) != len * 2)
		return -1;
	for (size_t i = 0; i < len / 4; i++) {
		memcpy(word, hex + i * 8, 8);
		word[8] = '\0';
		uint32_t w = (uint32_t)strtoul(word, NULL, 16);
		memcpy(out + i * 4, &w, 4);
	}
	return 0;
}

/* Scans one /proc/net file for inode; fills e's local end when the line's
 * remote end is e's. 1 found, 0 not. */
static int scan_net(const char *path, unsigned long inode, struct fd_entry *e)
{
	char line[512], lhex[40], rhex[40];
	unsigned lport, rport;
	unsigned long ino;
	size_t len = e->kind == FDK_IPV4 ? 4 : 16;
	int found = 0;
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	for (int i = 0; i < FDTABLE_NET_MAX_LINES && fgets(line, sizeof(line), f); i++) {
		if (sscanf(line,
		           " %*u: %39[0-9A-Fa-f]:%x %39[0-9A-Fa-f]:%x %*x %*x:%*x %*x:%*x %*x %*u "
		           "%*u %lu",
		           lhex, &lport, rhex, &rport, &ino) != 5 ||
		    ino != inode)
			continue;
		uint8_t lip[16] = {0}, rip[16] = {0};
		if (net_addr(lhex, lip, len) < 0 || net_addr(rhex, rip, len) < 0)
			break;
		if (e->has_remote && (memcmp(rip, e->rip, len) != 0 || (int)rport != e->rport))
			break; /* the number now holds another socket */
		memcpy(e->lip, lip, 16);
		e->lport = (int)lport;
		e->has_local = 1;
		found = 1;
		break;
	}
	fclose(f);
	return found;
}

int fdtable_resolve_local(struct fdtable *t, int fd, int64_t pid, const char *procroot)
{
	static const char *const v4[] = {"tcp", "udp"}, *const v6[] = {"tcp6", "udp6"};
	struct fd_entry *e = find(t, fd);
	char path[PATH_MAX];
	if (!fdtable_needs_local(e) || pid <= 0)
		return 0;
	e->local_tried = 1;
	local_lookups++;
	unsigned long inode = socket_inode(procroot, pid, fd);
	const char *const *files = e->kind == FDK_IPV4 ? v4 : v6;
	for (int i = 0; inode && i < 2; i++) {
		if ((e->l4 == FDL4_TCP && i == 1) || (e->l4 == FDL4_UDP && i == 0))
			continue;
		snprintf(path, sizeof(path), "%s/%" PRId64 "/net/%s", procroot, pid, files[i]);
		if (scan_net(path, inode, e))
			return 1;
	}
	local_misses++;
	return 0;
}

uint64_t fdtable_local_lookups(void)
{
	return local_lookups;
}

uint64_t fdtable_local_misses(void)
{
	return local_misses;
}

/* ---- the working directory across chdir/fchdir ---- */

int fdtable_is_chdir(const char *n)
{
	return n && (is(n, "chdir") || is(n, "fchdir"));
}

/* name joined to base (when relative) into out, with ".", ".." and
 * repeated slashes removed. 0, or -1 when it does not fit. */
static int join_norm(const char *base, const char *name, char *out, size_t n)
{
	char tmp[PATH_MAX * 2];
	size_t len = 0;
	int w = snprintf(tmp, sizeof(tmp), "%s/%s", name[0] == '/' ? "" : base, name);
	if (w < 0 || (size_t)w >= sizeof(tmp) || n < 2)
		return -1;
	for (char *save = NULL, *c = strtok_r(tmp, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0) {
			/* back to the slash before the last component */
			if (len > 0)
				do
					len--;
				while (len > 0 && out[len] != '/');
			continue;
		}
		size_t cl = strlen(c);
		if (len + 1 + cl + 1 > n)
			return -1;
		out[len++] = '/';
		memcpy(out + len, c, cl);
		len += cl;
		out[len] = '\0';
	}
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
	return 0;
}

int fdtable_new_cwd(const struct fdtable *t, const struct kevent *ev, const char *cur, char *out,
                    size_t n)
{
	if (!fdtable_is_chdir(ev->syscall_name) || ev->exit != 0)
		return 0;
	if (ev->syscall_name[0] == 'f') {
		const struct fd_entry *e = find(t, (int)(int32_t)ev->a[0]);
		if (!e || (e->kind != FDK_DIR && e->kind != FDK_FILE) || !e->name ||
		    e->name[0] != '/')
			return -1;
		return join_norm("/", e->name, out, n) < 0 ? -1 : 1;
	}
	const struct kev_path *p = NULL;
	for (int i = 0; i < ev->npaths && !p; i++)
		if (ev->paths[i].name)
			p = &ev->paths[i];
	const char *base = ev->cwd ? ev->cwd : cur;
	if (!p || p->dirfd_unresolved || (p->name[0] != '/' && !base))
		return -1;
	return join_norm(base ? base : "/", p->name, out, n) < 0 ? -1 : 1;
}
