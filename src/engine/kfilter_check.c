/*
 * kfilter_check.c — one condition check (field, operator, values) as an
 * abstract constraint of the kernel-filter compiler: path names and
 * prefixes, open-flag bits, socket domains, ptrace requests, success,
 * result and uid ranges, executables. Anything else bounds nothing.
 * Also the extra terms the fd table (src/proc/fdtable.c) needs for rules
 * that read an fd's state, and chdir/fchdir for proc.cwd
 * (kf_fd_table_terms).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "engine/kfilter_int.h"

static const char *const ptrace_names[] = {
    [0] = "PTRACE_TRACEME",    [1] = "PTRACE_PEEKTEXT",    [2] = "PTRACE_PEEKDATA",
    [3] = "PTRACE_PEEKUSR",    [4] = "PTRACE_POKETEXT",    [5] = "PTRACE_POKEDATA",
    [6] = "PTRACE_POKEUSR",    [7] = "PTRACE_CONT",        [8] = "PTRACE_KILL",
    [9] = "PTRACE_SINGLESTEP", [12] = "PTRACE_GETREGS",    [13] = "PTRACE_SETREGS",
    [14] = "PTRACE_GETFPREGS", [15] = "PTRACE_SETFPREGS",  [16] = "PTRACE_ATTACH",
    [17] = "PTRACE_DETACH",    [18] = "PTRACE_GETFPXREGS", [19] = "PTRACE_SETFPXREGS",
    [24] = "PTRACE_SYSCALL",
};
static const char *const ptrace_names2[] = {
    "PTRACE_SETOPTIONS", "PTRACE_GETEVENTMSG", "PTRACE_GETSIGINFO", "PTRACE_SETSIGINFO",
    "PTRACE_GETREGSET",  "PTRACE_SETREGSET",   "PTRACE_SEIZE",      "PTRACE_INTERRUPT",
    "PTRACE_LISTEN",     "PTRACE_PEEKSIGINFO",
};

static const struct {
	const char *name;
	uint32_t v;
} domains[] = {
    {"AF_UNIX", AF_UNIX},       {"AF_INET", AF_INET},     {"AF_INET6", AF_INET6},
    {"AF_NETLINK", AF_NETLINK}, {"AF_PACKET", AF_PACKET}, {"AF_BLUETOOTH", AF_BLUETOOTH},
    {"AF_KEY", AF_KEY},         {"AF_ALG", AF_ALG},       {"AF_VSOCK", AF_VSOCK},
};

/* Adds to out every ptrace request (contains: whose name contains v).
 * Returns -1 when v may match a request rendered as a number. */
static int preq_add(struct kvals *out, const char *v, int contains)
{
	size_t n1 = sizeof(ptrace_names) / sizeof(ptrace_names[0]);
	size_t n2 = sizeof(ptrace_names2) / sizeof(ptrace_names2[0]);

	if (!*v || (v[0] >= '0' && v[0] <= '9'))
		return -1;
	for (size_t i = 0; i < n1 + n2; i++) {
		const char *nm = i < n1 ? ptrace_names[i] : ptrace_names2[i - n1];
		if (!nm || !(contains ? strstr(nm, v) != NULL : strcmp(nm, v) == 0))
			continue;
		if (out->n >= KF_MAXV)
			return -1;
		out->v[out->n++] = i < n1 ? (uint32_t)i : 0x4200u + (uint32_t)(i - n1);
	}
	return 0;
}

static int dom_add(struct kvals *out, const char *v, int contains)
{
	if (!*v || (v[0] >= '0' && v[0] <= '9'))
		return -1;
	for (size_t i = 0; i < sizeof(domains) / sizeof(domains[0]); i++) {
		if (!(contains ? strstr(domains[i].name, v) != NULL
		               : strcmp(domains[i].name, v) == 0))
			continue;
		if (out->n >= KF_MAXV)
			return -1;
		out->v[out->n++] = domains[i].v;
	}
	return 0;
}

/* Adds a path or prefix; -1 when it bounds nothing (relative, or "/"). */
static int path_add(struct arena *a, struct kstrs *out, const char *v, int prefix)
{
	size_t len = v ? strlen(v) : 0;

	if (!v || v[0] != '/' || len > KFILTER_MAX_PATH || out->n >= KF_MAXV)
		return -1;
	if (prefix) {
		/* the directory holding every name with this prefix */
		const char *slash = strrchr(v, '/');
		len = (size_t)(slash - v);
		if (len == 0)
			return -1;
	}
	while (len > 1 && v[len - 1] == '/')
		len--;
	if (!(out->s[out->n] = arena_strndup(a, v, len)))
		return -1; /* no constraint: wider, still sound */
	out->dir[out->n++] = (unsigned char)prefix;
	return 0;
}

/* Prefix of a glob before its first wildcard. */
static const char *glob_prefix(struct arena *a, const char *v)
{
	size_t n = strcspn(v, "*?[\\");
	return arena_strndup(a, v, n); /* NULL on exhaustion: path_add refuses it */
}

static int check_path(struct arena *a, const struct cnode *n, struct kcons *c, int dir_field)
{
	c->path.n = 0;
	for (int i = 0; i < n->nvals; i++) {
		const char *v = n->vals[i];
		int r;
		switch (n->op) {
		case OP_EQ:
		case OP_IN:
			r = path_add(a, &c->path, v, 0); /* dir set below */
			if (!r && dir_field && strcmp(v, "/") == 0)
				r = -1;
			break;
		case OP_STARTSWITH:
			r = path_add(a, &c->path, v, 1);
			break;
		case OP_PMATCH:
			/* an entry matches itself and whatever is below it, whole
			 * components only: dir=<entry> (a glob entry: its prefix) */
			if (v[strcspn(v, "*?[\\")])
				r = path_add(a, &c->path, glob_prefix(a, v), 1);
			else
				r = path_add(a, &c->path, arena_printf(a, "%s/", v), 1);
			break;
		case OP_GLOB:
			r = path_add(a, &c->path, glob_prefix(a, v), 1);
			break;
		default:
			r = -1;
		}
		if (r < 0)
			return -1;
	}
	/* fd.directory = /etc: files directly in /etc; dir= covers them */
	if (dir_field)
		for (int i = 0; i < c->path.n; i++)
			c->path.dir[i] = 1;
	return c->path.n > 0 ? 0 : -1;
}

static int parse_i64(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 0);
	if (errno || end == s || *end)
		return -1;
	*out = v;
	return 0;
}

/* Range [lo, hi] a numeric comparison allows; -1 when unbounded. */
static int check_range(const struct cnode *n, int64_t *lo, int64_t *hi)
{
	int64_t v;
	*lo = INT64_MIN;
	*hi = INT64_MAX;
	if (n->op == OP_IN) {
		*lo = INT64_MAX;
		*hi = INT64_MIN;
		for (int i = 0; i < n->nvals; i++) {
			if (parse_i64(n->vals[i], &v) < 0)
				return -1;
			*lo = v < *lo ? v : *lo;
			*hi = v > *hi ? v : *hi;
		}
		return n->nvals > 0 ? 0 : -1;
	}
	if (n->nvals != 1 || parse_i64(n->vals[0], &v) < 0)
		return -1;
	switch (n->op) {
	case OP_EQ:
		*lo = *hi = v;
		return 0;
	case OP_LT:
		*hi = v - 1;
		return 0;
	case OP_LE:
		*hi = v;
		return 0;
	case OP_GT:
		*lo = v + 1;
		return 0;
	case OP_GE:
		*lo = v;
		return 0;
	default:
		return -1;
	}
}

static int is_true(const struct cnode *n)
{
	return n->op == OP_EQ && n->nvals == 1 &&
	       (strcmp(n->vals[0], "true") == 0 || strcmp(n->vals[0], "1") == 0);
}

static int check_flags(const struct cnode *n, struct kcons *c)
{
	static const struct {
		const char *name;
		uint32_t bit;
	} fl[] = {{"O_TRUNC", O_TRUNC}, {"O_CREAT", O_CREAT},   {"O_WRONLY", O_WRONLY},
	          {"O_RDWR", O_RDWR},   {"O_APPEND", O_APPEND}, {"O_EXCL", O_EXCL}};

	if (n->op != OP_CONTAINS || n->nvals != 1)
		return -1;
	for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
		if (strcmp(n->vals[0], fl[i].name) == 0) {
			c->mask[c->nmask++] = fl[i].bit;
			return 0;
		}
	return -1;
}

static int is_arg_path(const char *k)
{
	static const char *const names[] = {"name",    "path",     "pathname", "oldpath",
	                                    "newpath", "linkpath", NULL};
	for (int i = 0; names[i]; i++)
		if (strcmp(k, names[i]) == 0)
			return 1;
	return 0;
}

/* evt.arg.<k>: path arguments, open flags, socket domain, ptrace request. */
static int check_arg(struct arena *a, const struct cnode *n, const char *k, struct kcons *c)
{
	if (is_arg_path(k)) {
		c->pk = PK_ARG;
		return check_path(a, n, c, 0);
	}
	if (strcmp(k, "flags") == 0)
		return check_flags(n, c);
	if (strcmp(k, "domain") && strcmp(k, "request"))
		return -1;
	struct kvals *out = k[0] == 'd' ? &c->dom : &c->preq;
	if (n->op != OP_EQ && n->op != OP_IN && n->op != OP_CONTAINS)
		return -1;
	out->n = 0;
	for (int i = 0; i < n->nvals; i++)
		if ((k[0] == 'd' ? dom_add : preq_add)(out, n->vals[i], n->op == OP_CONTAINS) < 0)
			return -1;
	return 0;
}

/* evt.rawres, fd.num (the result on the fd-making calls), user.uid. */
static int check_number(const struct cnode *n, const char *f, struct kcons *c)
{
	int64_t lo, hi;

	if (check_range(n, &lo, &hi) < 0)
		return -1;
	if (strcmp(f, "user.uid") == 0) {
		if (hi < 0)
			return -1;
		c->has_uid = 1;
		c->ulo = lo < 0 ? 0 : lo;
		c->uhi = hi > UINT32_MAX ? UINT32_MAX : hi;
		return 0;
	}
	if (lo < 0)
		return -1;
	if (f[0] == 'f') {
		c->succ_fd = 1;
		return 0;
	}
	c->success = 1;
	c->has_exit = 1;
	c->elo = lo;
	c->ehi = hi > UINT32_MAX ? UINT32_MAX : hi;
	return 0;
}

static int check_exe(struct arena *a, const struct cnode *n, struct kcons *c)
{
	if (n->op != OP_EQ && n->op != OP_IN)
		return -1;
	c->exe.n = 0;
	for (int i = 0; i < n->nvals; i++) {
		if (n->vals[i][0] != '/' || strlen(n->vals[i]) > KFILTER_MAX_PATH ||
		    c->exe.n >= KF_MAXV)
			return -1;
		if (!(c->exe.s[c->exe.n] = arena_strdup(a, n->vals[i])))
			return -1; /* no constraint: wider, still sound */
		c->exe.n++;
	}
	return 0;
}

static int check_any(struct arena *a, const struct cnode *n, const char *f, const char *k,
                     struct kcons *c)
{
	if (strcmp(f, "fd.name") == 0 || strcmp(f, "fd.directory") == 0) {
		c->pk = PK_FD;
		return check_path(a, n, c, f[3] == 'd');
	}
	if (strcmp(f, "evt.arg") == 0 && k)
		return check_arg(a, n, k, c);
	if (strcmp(f, "evt.is_open_write") == 0 && is_true(n)) {
		c->mask[c->nmask++] = O_WRONLY | O_RDWR;
		return 0;
	}
	if ((strcmp(f, "evt.res") == 0 && n->op == OP_EQ && strcmp(n->vals[0], "SUCCESS") == 0) ||
	    (strcmp(f, "evt.failed") == 0 && n->op == OP_EQ && strcmp(n->vals[0], "false") == 0)) {
		c->success = 1;
		return 0;
	}
	if (!strcmp(f, "evt.rawres") || !strcmp(f, "fd.num") || !strcmp(f, "user.uid"))
		return check_number(n, f, c);
	if (strcmp(f, "proc.exepath") == 0)
		return check_exe(a, n, c);
	return -1;
}

int kf_check_cons(struct arena *a, const struct cnode *n, struct kcons *c)
{
	const char *f = n->lhs.name, *k = n->lhs.arg;

	if (strncmp(f, "evt.arg.", 8) == 0 && !k) {
		k = f + 8;
		f = "evt.arg";
	}
	kf_cons_top(c);
	if (n->lhs.nxforms || n->mod != MOD_NONE || n->rhs_kind == RHS_FIELD || n->nvals < 1)
		return -1;
	if (check_any(a, n, f, k, c) < 0) {
		kf_cons_top(c);
		return -1;
	}
	return 0;
}

/* ---- the fd table's own syscalls (src/proc/fdtable.c) ---- */

/* Fields read from the process's fd table on a syscall that does not
 * describe the fd itself. */
static const char *const fd_state_fields[] = {
    "fd.type",      "fd.typechar", "fd.l4proto",   "fd.sockfamily", "fd.sip",
    "fd.sport",     "fd.cip",      "fd.cport",     "fd.lip",        "fd.lport",
    "fd.rip",       "fd.rport",    "fd.ip",        "fd.port",       "fd.net",
    "fd.snet",      "fd.cnet",     "fd.lnet",      "fd.rnet",       "fd.is_server",
    "fd.connected", "fd.name",     "fd.directory", "fd.filename",   NULL,
};
/* Of those, the ones a file's fd answers only when its open was seen. */
static const char *const fd_name_fields[] = {"fd.name", "fd.directory", "fd.filename", NULL};

/* Syscalls that create and describe a socket fd, and pipes (which replace
 * a stale socket at their number); fcntl F_DUPFD is left
 * out: auditing every fcntl costs more than the rare F_DUPFD copy. */
static const char *const fd_sock_calls[] = {
    "socket", "socketpair", "connect", "accept", "accept4", "bind", "listen",
    "dup",    "dup2",       "dup3",    "pipe",   "pipe2",   NULL,
};
static const char *const fd_open_calls[] = {"open", "openat", "openat2", "creat", NULL};
/* Syscalls whose own records describe the fd for those fields: the fd
 * they create, or the address in their SOCKADDR record (connect, bind and
 * sendto fall back to it when the table has no entry). */
static const char *const fd_self_sock[] = {
    "socket", "open",    "openat", "openat2", "creat",  "open_by_handle_at",
    "memfd_create", "connect", "bind", "sendto", "sendmsg", NULL};
/* ... and for the name: the opens, the socket calls with an address, and
 * the calls that name their file by path (their PATH records; a directory
 * fd they take is not a file whose open matters here). */
static const char *const fd_self_name[] = {
    "socket",   "socketpair", "accept",  "accept4",  "pipe",
    "pipe2",    "memfd_create",
    "open",     "openat",   "openat2",   "creat",    "open_by_handle_at",
    "connect",  "bind",     "sendto",    "sendmsg",  "unlink",
    "unlinkat", "rename",   "renameat",  "renameat2", "link",
    "linkat",   "symlink",  "symlinkat", "chmod",    "fchmodat",
    "chown",    "lchown",   "fchownat",  "mkdir",    "mkdirat",
    "rmdir",    "mknod",    "mknodat",   "truncate", "execve",
    "execveat", "mount",    "umount2",   NULL};

/* fd.l4proto is described only by the calls that create the socket. */
static const char *const fd_self_l4[] = {"socket", "socketpair", NULL};
/* Syscalls whose records carry a CWD record (they look a path name up):
 * proc.cwd on them needs no chdir. */
static const char *const cwd_self[] = {
    "open",     "openat",   "openat2",   "creat",    "execve", "execveat", "unlink",    "unlinkat",
    "rename",   "renameat", "renameat2", "link",     "linkat", "symlink",  "symlinkat", "chmod",
    "fchmodat", "chown",    "lchown",    "fchownat", "mkdir",  "mkdirat",  "rmdir",     "mknod",
    "mknodat",  "truncate", "mount",     "umount2",  "chdir",  NULL};
static const char *const cwd_calls[] = {"chdir", "fchdir", NULL};
/* thread.cap_*: capset's CAPSET record sets them (an exec's BPRM_FCAPS
 * comes with the exec itself; an exec keeping ambient capabilities has
 * none, so the capset before it is the only record of them). */
static const char *const cap_fields[] = {"thread.cap_effective", "thread.cap_permitted",
                                         "thread.cap_inheritable", NULL};
static const char *const cap_calls[] = {"capset", NULL};

static int in_names(const char *const *names, const char *s)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(names[i], s) == 0)
			return 1;
	return 0;
}

unsigned kf_check_fd_needs(const struct cnode *n)
{
	unsigned need = 0;

	if (!n)
		return 0;
	if (n->kind == CN_CHECK) {
		const char *f[2] = {n->lhs.name, n->rhs_kind == RHS_FIELD ? n->rhs.name : NULL};
		for (int i = 0; i < 2; i++) {
			if (!f[i])
				continue;
			if (in_names(fd_state_fields, f[i]) || strcmp(f[i], "evt.arg.fd") == 0 ||
			    (strcmp(f[i], "evt.arg") == 0 && n->lhs.arg &&
			     !strcmp(n->lhs.arg, "fd")))
				need |= KF_NEED_STATE;
			if (in_names(fd_name_fields, f[i]))
				need |= KF_NEED_NAME;
			if (strcmp(f[i], "fd.l4proto") == 0)
				need |= KF_NEED_L4;
			if (strcmp(f[i], "proc.cwd") == 0)
				need |= KF_NEED_CWD;
			if (in_names(cap_fields, f[i]))
				need |= KF_NEED_CAPS;
		}
		return need;
	}
	for (int i = 0; i < n->nkids; i++)
		need |= kf_check_fd_needs(n->kids[i]);
	return need;
}

/* 1 when the rule may match a syscall not in self (or any syscall). */
static int types_beyond(struct engine *e, const struct evtset *types, const char *const *self)
{
	if (kf_es_has(types, EVT_OTHER))
		return 1;
	for (int id = 1; id < e->nevt; id++)
		if (kf_es_has(types, id) && e->evt_names[id] && !in_names(self, e->evt_names[id]))
			return 1;
	return 0;
}

static int push_calls(struct engine *e, struct tlist *l, const char *const *names)
{
	struct kterm *t = realloc(l->t, (size_t)(l->n + 1) * sizeof(*t));

	if (!t) {
		l->oom = 1;
		return -1;
	}
	l->t = t;
	t = &l->t[l->n++];
	memset(&t->types, 0, sizeof(t->types));
	for (int i = 0; names[i]; i++) {
		int id = engine_evt_id(e, names[i], 1);
		t->types.w[id / 64] |= 1ull << (id % 64);
	}
	kf_cons_top(&t->c);
	t->c.success = 1;
	return 0;
}

/* Adds to l the terms the fd table needs for r: when a term of r reads an
 * fd's state in a positive check on a syscall that does not describe the
 * fd itself (dup2 onto 0, sendto on a connected socket; fd.l4proto on
 * anything but socket/socketpair), the syscalls that create and describe
 * sockets, and the opens when it reads the fd's name; chdir/fchdir when it
 * reads proc.cwd on a syscall without a CWD record; capset when it reads
 * thread.cap_* (positive or negated).
 * Per term, so a macro like open_write (fd.typechar = f, on the opens
 * themselves) costs nothing. 0, or -1 without memory. Called by
 * kf_rule_terms() (kfilter.c). */
int kf_fd_table_terms(struct engine *e, const struct rl_rule *r, struct tlist *l)
{
	unsigned need = 0;

	(void)r;
	for (int i = 0; i < l->n; i++) {
		const struct kterm *t = &l->t[i];
		if ((t->c.fdneed & KF_NEED_STATE) && types_beyond(e, &t->types, fd_self_sock))
			need |= KF_NEED_STATE;
		if ((t->c.fdneed & KF_NEED_NAME) && types_beyond(e, &t->types, fd_self_name))
			need |= KF_NEED_NAME;
		if ((t->c.fdneed & KF_NEED_L4) && types_beyond(e, &t->types, fd_self_l4))
			need |= KF_NEED_STATE;
		if ((t->c.fdneed & KF_NEED_CWD) && types_beyond(e, &t->types, cwd_self))
			need |= KF_NEED_CWD;
		need |= t->c.fdneed & KF_NEED_CAPS;
	}
	if ((need & KF_NEED_STATE) && push_calls(e, l, fd_sock_calls) < 0)
		return -1;
	if ((need & KF_NEED_NAME) && push_calls(e, l, fd_open_calls) < 0)
		return -1;
	if ((need & KF_NEED_CWD) && push_calls(e, l, cwd_calls) < 0)
		return -1;
	if ((need & KF_NEED_CAPS) && push_calls(e, l, cap_calls) < 0)
		return -1;
	return 0;
}
