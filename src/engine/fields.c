/*
 * fields.c — the field table: every field a condition or output may name,
 * with its type, description and extractor (fields_<class>.c), plus the
 * pieces every class shares: value helpers, the lazily resolved event
 * context and syscall classes. Falco fields that audit data cannot supply
 * are listed with a NULL extractor so rules naming them are skipped with a
 * clear reason instead of failing to load. See fields.h.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/fields_int.h"
#include "proc/container.h"
#include "proc/proc.h"

/* ---- values ---- */

int fval_str(struct fval *v, const char *s)
{
	if (!s)
		return 0;
	v->s = s;
	v->len = strlen(s);
	return 1;
}

int fval_buf(struct fval *v, struct buf *b)
{
	v->s = b->p ? b->p : "";
	v->len = b->len;
	return 1;
}

int fval_num(struct fval *v, int64_t n)
{
	if (n == KEV_UNSET)
		return 0;
	v->n = n;
	return 1;
}

/* ---- lazy context ---- */

void fctx_reset(struct fctx *c, const struct kevent *ev)
{
	c->ev = ev;
	c->have_proc = c->have_parent = c->have_ct = c->have_cls = 0;
	c->proc = c->parent = NULL;
	c->ct = NULL;
}

const struct proc *fctx_proc(struct fctx *c)
{
	if (!c->have_proc) {
		c->have_proc = 1;
		if (c->ps && c->ps->self)
			c->proc = c->ps->self(c->psctx, c->ev);
	}
	return c->proc;
}

const struct proc *fctx_parent(struct fctx *c)
{
	if (!c->have_parent) {
		const struct proc *p = fctx_proc(c);
		c->have_parent = 1;
		if (p && c->ps && c->ps->parent)
			c->parent = c->ps->parent(c->psctx, p);
		else if (!p && c->ps && c->ps->get && c->ev->ppid > 0)
			c->parent = c->ps->get(c->psctx, c->ev->ppid);
	}
	return c->parent;
}

const struct proc *fctx_ancestor(struct fctx *c, int64_t n)
{
	const struct proc *p;

	if (n <= 0)
		return fctx_proc(c);
	p = fctx_parent(c);
	for (int64_t i = 1; p && i < n; i++)
		p = c->ps && c->ps->parent ? c->ps->parent(c->psctx, p) : NULL;
	return p;
}

const struct container_info *fctx_ct(struct fctx *c)
{
	if (!c->have_ct) {
		const struct proc *p = fctx_proc(c);
		c->have_ct = 1;
		if (p && c->ps && c->ps->container)
			c->ct = c->ps->container(c->psctx, p);
		else if (p)
			c->ct = p->container;
	}
	return c->ct;
}

/* ---- syscall classes ---- */

int fld_sc_is(const struct kevent *ev, const char *name)
{
	return ev->syscall_name && strcmp(ev->syscall_name, name) == 0;
}

static int sc_is_open(const struct kevent *ev)
{
	return fld_sc_is(ev, "open") || fld_sc_is(ev, "openat") || fld_sc_is(ev, "openat2") ||
	       fld_sc_is(ev, "creat") || fld_sc_is(ev, "open_by_handle_at");
}

static int sc_is_exec(const struct kevent *ev)
{
	return fld_sc_is(ev, "execve") || fld_sc_is(ev, "execveat");
}

/* Syscalls whose a0 is a file descriptor. */
static int sc_takes_fd(const struct kevent *ev)
{
	static const char *const names[] = {
	    "connect", "sendto",  "sendmsg", "recvfrom", "recvmsg",  "bind",         "listen",
	    "accept",  "accept4", "dup",     "dup2",     "dup3",     "close",        "read",
	    "write",   "fchmod",  "fchown",  "setns",    "shutdown", "getsockopt",   "setsockopt",
	    "fcntl",   "ioctl",   "mmap",    "sendmmsg", "recvmmsg", "finit_module", NULL,
	};
	if (!ev->syscall_name)
		return 0;
	for (int i = 0; names[i]; i++)
		if (strcmp(ev->syscall_name, names[i]) == 0)
			return 1;
	return 0;
}

/* Which open-like call a syscall is: where its flags are. */
enum open_kind { OPK_NONE, OPK_OPEN, OPK_OPENAT, OPK_CREAT, OPK_OPENAT2 };

static int open_kind(const struct kevent *ev)
{
	if (fld_sc_is(ev, "open"))
		return OPK_OPEN;
	if (fld_sc_is(ev, "openat"))
		return OPK_OPENAT;
	if (fld_sc_is(ev, "creat"))
		return OPK_CREAT;
	if (fld_sc_is(ev, "openat2"))
		return OPK_OPENAT2;
	return OPK_NONE;
}

/* Open flags: a1 for open, a2 for openat; creat implies them. -1 unknown. */
static int64_t open_flags(const struct kevent *ev, int kind)
{
	switch (kind) {
	case OPK_OPEN:
		return (int64_t)ev->a[1];
	case OPK_OPENAT:
		return (int64_t)ev->a[2];
	case OPK_CREAT:
		return O_CREAT | O_WRONLY | O_TRUNC;
	case OPK_OPENAT2:
		if (ev->openat2_flags != KEV_UNSET)
			return ev->openat2_flags; /* the OPENAT2 record */
		return -1;
	default:
		return -1;
	}
}

/* The class of the event's syscall name, from c's cache or computed into
 * it (by name only: the flags come from the event itself, in fctx_cls). */
static const struct fctx_cls_entry *cls_of_name(struct fctx *c)
{
	static const struct fctx_cls_entry none; /* no name: no class */
	const char *sc = c->ev->syscall_name;

	if (!sc)
		return &none;
	size_t slot = ((uintptr_t)sc >> 3) % FCTX_CLS_CACHE;
	struct fctx_cls_entry *e = &c->cls_cache[slot];
	if (e->name[0] && strcmp(sc, e->name) == 0)
		return e;
	struct fctx_cls_entry n = {.name = {0}};
	n.is_open = (unsigned char)sc_is_open(c->ev);
	n.is_exec = !n.is_open && sc_is_exec(c->ev);
	n.takes_fd = !n.is_open && !n.is_exec && sc_takes_fd(c->ev);
	n.is_socket = (unsigned char)fld_sc_is(c->ev, "socket");
	n.open_kind = (unsigned char)(n.is_open ? open_kind(c->ev) : OPK_NONE);
	size_t len = strlen(sc);
	if (len == 0 || len >= sizeof(e->name)) {
		/* not cacheable: answer from a scratch copy */
		c->cls_scratch = n;
		return &c->cls_scratch;
	}
	memcpy(n.name, sc, len + 1);
	*e = n;
	return e;
}

/* The syscall's class, computed once per event (strcmp-free afterwards). */
struct fctx *fctx_cls(struct fctx *c)
{
	if (!c->have_cls) {
		c->have_cls = 1;
		const struct fctx_cls_entry *k = cls_of_name(c);
		c->is_open = k->is_open;
		c->is_exec = k->is_exec;
		c->takes_fd = k->takes_fd;
		c->is_socket = k->is_socket;
		c->oflags = c->is_open ? open_flags(c->ev, k->open_kind) : -1;
	}
	return c;
}

/* The PATH item an open-like or exec syscall is about: the last one that
 * is not a PARENT item. */
const struct kev_path *fld_main_path(const struct kevent *ev)
{
	const struct kev_path *best = NULL;

	for (int i = 0; i < ev->npaths; i++) {
		const struct kev_path *p = &ev->paths[i];
		if (!p->name)
			continue;
		if (p->nametype && strcmp(p->nametype, "PARENT") == 0)
			continue;
		if (!best)
			best = p;
	}
	return best;
}

const struct kev_path *fld_path_of_type(const struct kevent *ev, const char *type)
{
	for (int i = 0; i < ev->npaths; i++)
		if (ev->paths[i].name && ev->paths[i].nametype &&
		    strcmp(ev->paths[i].nametype, type) == 0)
			return &ev->paths[i];
	return NULL;
}

/* Joins cwd and name and removes ".", ".." and repeated slashes. */
int fld_abs_path(struct buf *b, const char *cwd, const char *name)
{
	size_t n;

	b->len = 0;
	if (name[0] != '/' && cwd) {
		if (buf_append(b, cwd, strlen(cwd)) < 0 || buf_append(b, "/", 1) < 0)
			return -1;
	}
	if (buf_append(b, name, strlen(name)) < 0)
		return -1;
	/* Normalise in place. */
	char *s = b->p, *o = b->p;
	n = b->len;
	size_t i = 0;
	while (i < n) {
		if (s[i] == '/') {
			while (i < n && s[i] == '/')
				i++;
			size_t seg = i;
			while (i < n && s[i] != '/')
				i++;
			size_t len = i - seg;
			if (len == 0)
				continue;
			if (len == 1 && s[seg] == '.')
				continue;
			if (len == 2 && s[seg] == '.' && s[seg + 1] == '.') {
				while (o > b->p && *--o != '/')
					;
				continue;
			}
			*o++ = '/';
			memmove(o, s + seg, len);
			o += len;
		} else {
			/* relative without cwd: keep as written */
			return 0;
		}
	}
	if (o == b->p)
		*o++ = '/';
	*o = '\0';
	b->len = (size_t)(o - b->p);
	return 0;
}

/* A PATH record's name as fd.name shows it: absolute against the cwd, or
 * under FIELD_UNKNOWN_DIR when it is relative to a dirfd audit did not
 * resolve. The name is normalised as if rooted there, so ".." cannot climb
 * out of the unknown directory into a real-looking path. */
int fld_path_name(struct buf *b, const struct kevent *ev, const struct kev_path *p)
{
	static const char unknown[] = FIELD_UNKNOWN_DIR;
	size_t k = sizeof(unknown) - 1;

	if (!p->dirfd_unresolved || p->name[0] == '/')
		return fld_abs_path(b, ev->cwd, p->name);
	if (fld_abs_path(b, "/", p->name) < 0 || buf_reserve(b, k) < 0)
		return -1;
	if (b->len == 1) /* the directory itself ("." or "") */
		b->len = 0;
	memmove(b->p + k, b->p, b->len);
	memcpy(b->p, unknown, k);
	b->len += k;
	b->p[b->len] = '\0';
	return 0;
}

/* ---- the table ---- */

#define S FT_STR
#define I FT_INT
#define B FT_BOOL

static const struct field_def field_table[] = {
    {"evt.type", S, FA_NONE, f_evt_type, "system call name (audit events are syscall exits)"},
    {"evt.num", I, FA_NONE, f_evt_num, "event number, counted by the engine"},
    {"evt.res", S, FA_NONE, f_evt_res, "result: SUCCESS or the errno name (ENOENT ...)"},
    {"evt.rawres", I, FA_NONE, f_evt_rawres, "raw return value (exit=)"},
    {"evt.failed", B, FA_NONE, f_evt_failed, "true when the syscall failed"},
    {"evt.dir", S, FA_NONE, f_evt_dir, "direction: always '<' (exit)"},
    {"evt.time", S, FA_NONE, f_evt_time, "event time, local HH:MM:SS.nnnnnnnnn"},
    {"evt.time.iso8601", S, FA_NONE, f_evt_time_iso, "event time, ISO 8601 UTC"},
    {"evt.datetime", S, FA_NONE, f_evt_time_iso, "event time, ISO 8601 UTC"},
    {"evt.rawtime", I, FA_NONE, f_evt_rawtime, "event time, ns since the epoch"},
    {"evt.hostname", S, FA_NONE, f_evt_hostname, "host name"},
    {"evt.arg", S, FA_KEY, f_evt_arg, "argument by name (evt.arg.flags) or index (evt.arg[1])"},
    {"evt.rawarg", I, FA_KEY, f_evt_rawarg, "raw numeric argument by name"},
    {"evt.args", S, FA_NONE, f_evt_args, "arguments as name=value text"},
    {"evt.is_open_read", B, FA_NONE, f_evt_is_open_read, "open-like syscall for reading"},
    {"evt.is_open_write", B, FA_NONE, f_evt_is_open_write, "open-like syscall for writing"},
    {"evt.is_open_exec", B, FA_NONE, f_evt_is_open_exec, "open creating an executable file"},
    {"proc.name", S, FA_NONE, f_proc_name, "process name (comm)"},
    {"proc.exe", S, FA_NONE, f_proc_exe, "first argument of the exec (argv[0])"},
    {"proc.exepath", S, FA_NONE, f_proc_exepath, "executable path (exe=)"},
    {"proc.args", S, FA_NONE, f_proc_args, "arguments argv[1..] joined by spaces"},
    {"proc.cmdline", S, FA_NONE, f_proc_cmdline, "name and arguments"},
    {"proc.pid", I, FA_NONE, f_proc_pid, "process id"},
    {"proc.ppid", I, FA_NONE, f_proc_ppid, "parent process id"},
    {"proc.vpid", I, FA_NONE, f_proc_vpid, "process id in its pid namespace"},
    {"proc.sid", I, FA_NONE, f_proc_sid, "session id"},
    {"proc.sname", S, FA_NONE, f_proc_sname, "name of the session leader"},
    {"proc.tty", I, FA_NONE, f_proc_tty, "controlling terminal (tty_nr), 0 when none"},
    {"proc.cwd", S, FA_NONE, f_proc_cwd, "current working directory"},
    {"proc.duration", I, FA_NONE, f_proc_duration, "ns since the process's last exec"},
    {"proc.is_exe_writable", B, FA_NONE, f_proc_is_exe_writable, "executable writable by the user"},
    {"proc.is_exe_from_memfd", B, FA_NONE, f_proc_is_exe_from_memfd, "executable is a memfd"},
    {"proc.pname", S, FA_NONE, f_proc_pname, "parent name"},
    {"proc.pexe", S, FA_NONE, f_proc_pexe, "parent argv[0]"},
    {"proc.pexepath", S, FA_NONE, f_proc_pexepath, "parent executable path"},
    {"proc.pcmdline", S, FA_NONE, f_proc_pcmdline, "parent name and arguments"},
    {"proc.aname", S, FA_INDEX, f_proc_aname,
     "ancestor name: [0] self, [1] parent...; no index: any ancestor"},
    {"proc.apid", I, FA_INDEX, f_proc_apid, "ancestor pid"},
    {"proc.aexe", S, FA_INDEX, f_proc_aexe, "ancestor argv[0]"},
    {"proc.aexepath", S, FA_INDEX, f_proc_aexepath, "ancestor executable path"},
    {"proc.acmdline", S, FA_INDEX, f_proc_acmdline, "ancestor command line"},
    {"thread.tid", I, FA_NONE, f_proc_pid, "thread id (the audit pid)"},
    {"thread.cap_effective", S, FA_NONE, f_thread_cap_effective,
     "effective capabilities (live mode only, /proc)"},
    {"user.uid", I, FA_NONE, f_user_uid, "real user id"},
    {"user.name", S, FA_NONE, f_user_name, "user name"},
    {"user.loginuid", I, FA_NONE, f_user_loginuid, "login uid (auid), -1 when unset"},
    {"user.loginname", S, FA_NONE, f_user_loginname, "login user name"},
    {"group.gid", I, FA_NONE, f_group_gid, "group id"},
    {"group.name", S, FA_NONE, f_group_name, "group name"},
    {"fd.name", S, FA_NONE, f_fd_name, "file path (absolute) or unix socket path"},
    {"fd.nameraw", S, FA_NONE, f_fd_nameraw, "file path as passed to the syscall"},
    {"fd.directory", S, FA_NONE, f_fd_directory, "directory of fd.name"},
    {"fd.filename", S, FA_NONE, f_fd_filename, "base name of fd.name"},
    {"fd.num", I, FA_NONE, f_fd_num, "file descriptor number"},
    {"fd.type", S, FA_NONE, f_fd_type, "file, directory, ipv4, ipv6, unix, netlink, memfd"},
    {"fd.typechar", S, FA_NONE, f_fd_typechar, "f, d, 4, 6, u, n, m"},
    {"fd.sockfamily", S, FA_NONE, f_fd_sockfamily, "ip or unix"},
    {"fd.l4proto", S, FA_NONE, f_fd_l4proto, "tcp/udp/raw when the socket type is known"},
    {"fd.ip", FT_IPNET, FA_NONE, f_fd_sip, "remote IP of connect/sendto/bind"},
    {"fd.sip", FT_IPNET, FA_NONE, f_fd_sip, "server IP: the local end of an accepted fd"},
    {"fd.rip", FT_IPNET, FA_NONE, f_fd_rip, "remote IP (fd table, or the SOCKADDR)"},
    {"fd.net", FT_IPNET, FA_NONE, f_fd_sip, "IP compared with networks (CIDR)"},
    {"fd.snet", FT_IPNET, FA_NONE, f_fd_sip, "server IP compared with networks"},
    {"fd.rnet", FT_IPNET, FA_NONE, f_fd_rip, "remote IP compared with networks"},
    {"fd.port", I, FA_NONE, f_fd_sport, "remote port"},
    {"fd.sport", I, FA_NONE, f_fd_sport, "server port"},
    {"fd.rport", I, FA_NONE, f_fd_rport, "remote port"},
    {"container.id", S, FA_NONE, f_ct_id, "container short id, 'host' outside containers"},
    {"container.full_id", S, FA_NONE, f_ct_full_id, "container full id"},
    {"container.name", S, FA_NONE, f_ct_name, "container name"},
    {"container.type", S, FA_NONE, f_ct_type, "runtime: docker, containerd, cri-o, podman ..."},
    {"container.image", S, FA_NONE, f_ct_image, "image reference"},
    {"container.image.repository", S, FA_NONE, f_ct_image_repo, "image repository"},
    {"container.image.tag", S, FA_NONE, f_ct_image_tag, "image tag"},
    {"container.privileged", B, FA_NONE, f_ct_privileged, "privileged container"},
    {"container.labels", S, FA_NONE, f_ct_labels, "labels k:v,k:v"},
    {"k8s.pod.name", S, FA_NONE, f_k8s_pod_name, "Kubernetes pod name"},
    {"k8s.ns.name", S, FA_NONE, f_k8s_ns_name, "Kubernetes namespace"},
    {"k8s.pod.uid", S, FA_NONE, f_k8s_pod_uid, "Kubernetes pod uid"},
    {"k8s.pod.labels", S, FA_NONE, f_k8s_pod_labels, "Kubernetes pod labels"},
    {"audit.key", S, FA_NONE, f_audit_key, "audit rule key (key=)"},
    {"audit.serial", I, FA_NONE, f_audit_serial, "audit event serial"},
    {"audit.arch", S, FA_NONE, f_audit_arch, "architecture (x86_64, i386 ...)"},
    {"audit.ses", I, FA_NONE, f_audit_ses, "audit session id"},
    {"audit.syscall", I, FA_NONE, f_audit_syscall, "syscall number"},
    {"audit.success", B, FA_NONE, f_audit_success, "success= of the SYSCALL record"},
    {"audit.euid", I, FA_NONE, f_audit_euid, "effective uid"},
    /* Falco fields audit records cannot supply (rules using them in a
     * condition are skipped; outputs print <NA>). */
    {"fd.lport", I, FA_NONE, f_fd_lport, "local port (bind, or the listener of accept)"},
    {"fd.cport", I, FA_NONE, f_fd_cport, "client port (fd table)"},
    {"fd.lip", FT_IPNET, FA_NONE, f_fd_lip, "local IP (bind, or the listener of accept)"},
    {"fd.cip", FT_IPNET, FA_NONE, f_fd_cip, "client IP (fd table)"},
    {"fd.cnet", FT_IPNET, FA_NONE, f_fd_cip, "client IP compared with networks"},
    {"fd.lnet", FT_IPNET, FA_NONE, f_fd_lip, "local IP compared with networks"},
    {"fd.connected", B, FA_NONE, f_fd_connected, "socket connected (fd table)"},
    {"fd.name_changed", B, FA_NONE, f_fd_name_changed, "sendto/sendmsg gave a new remote end"},
    /* Host names in a condition are resolved when the rules load (start,
     * reload); the value is the IP, compared with the name's addresses. */
    {"fd.sip.name", FT_IPNET, FA_NONE, f_fd_sip_name, "server IP vs names resolved in background"},
    {"fd.cip.name", FT_IPNET, FA_NONE, f_fd_cip_name, "client IP vs names resolved in background"},
    {"fd.rip.name", FT_IPNET, FA_NONE, f_fd_rip_name, "remote IP vs names resolved in background"},
    {"fd.lip.name", FT_IPNET, FA_NONE, f_fd_lip_name, "local IP vs names resolved in background"},
    {"fd.types", S, FA_INDEX, NULL, "fd types of the process: no fd table"},
    {"fd.dev", I, FA_NONE, NULL, "device: not tracked"},
    {"fd.ino", I, FA_NONE, NULL, "inode: not tracked"},
    {"evt.buffer", FT_BYTES, FA_NONE, NULL, "I/O data: audit never records payloads"},
    {"evt.rawarg.data", FT_BYTES, FA_NONE, NULL, "I/O data: audit never records payloads"},
    {"evt.cpu", I, FA_NONE, NULL, "CPU: not in audit records"},
    {"evt.latency", I, FA_NONE, NULL, "latency: audit has no enter events"},
    {"proc.is_exe_upper_layer", B, FA_NONE, f_proc_is_exe_upper_layer,
     "executable in the overlay root's upper layer (live)"},
    {"proc.is_exe_lower_layer", B, FA_NONE, f_proc_is_exe_lower_layer,
     "executable in the overlay root's lower layers (live)"},
    {"proc.exe_ino", I, FA_NONE, NULL, "executable inode: not tracked"},
    {"proc.exe_ino.ctime", I, FA_NONE, NULL, "executable ctime: not tracked"},
    {"proc.exe_ino.mtime", I, FA_NONE, NULL, "executable mtime: not tracked"},
    {"proc.exe_ino.ctime_duration_proc_start", I, FA_NONE, NULL, "not tracked"},
    {"proc.exe_ino.ctime_duration_pidns_start", I, FA_NONE, NULL, "not tracked"},
    {"proc.env", S, FA_KEY, NULL, "environment: not in audit records"},
    {"proc.is_vpgid_leader", B, FA_NONE, NULL, "process group: not tracked"},
    {"proc.vpgid", I, FA_NONE, NULL, "process group: not tracked"},
    {"proc.vpgid.name", S, FA_NONE, NULL, "process group: not tracked"},
    {"proc.vpgid.exe", S, FA_NONE, NULL, "process group: not tracked"},
    {"proc.ppid.duration", I, FA_NONE, NULL, "parent start time: not tracked"},
    {"proc.pid.ts", I, FA_NONE, NULL, "start time: not tracked"},
    {"proc.is_container_healthcheck", B, FA_NONE, NULL, "health checks: not tracked"},
    {"proc.is_container_liveness_probe", B, FA_NONE, NULL, "probes: not tracked"},
    {"proc.is_container_readiness_probe", B, FA_NONE, NULL, "probes: not tracked"},
    {"proc.stdin.type", S, FA_NONE, NULL, "fd table: not tracked"},
    {"proc.stdout.type", S, FA_NONE, NULL, "fd table: not tracked"},
    {"proc.stdin.name", S, FA_NONE, NULL, "fd table: not tracked"},
    {"proc.stdout.name", S, FA_NONE, NULL, "fd table: not tracked"},
    {"thread.cap_permitted", S, FA_NONE, f_thread_cap_effective,
     "permitted capabilities (live mode only, /proc)"},
    {"thread.cap_inheritable", S, FA_NONE, f_thread_cap_effective,
     "inheritable capabilities (live mode only, /proc)"},
    {"container.start_ts", I, FA_NONE, NULL, "container start time: not tracked"},
    {"container.duration", I, FA_NONE, NULL, "container start time: not tracked"},
    {"container.image.id", S, FA_NONE, NULL, "image id: not read"},
    {"container.image.digest", S, FA_NONE, NULL, "image digest: not read"},
    {"container.mounts", S, FA_NONE, NULL, "mounts: not read"},
    {"container.mount", S, FA_KEY, NULL, "mounts: not read"},
    {"container.mount.dest", S, FA_KEY, NULL, "mounts: not read"},
    {"container.mount.source", S, FA_KEY, NULL, "mounts: not read"},
    {"container.ip", S, FA_NONE, NULL, "container IP: not read"},
    {"container.healthcheck", S, FA_NONE, NULL, "health checks: not read"},
    {"k8s.ns.labels", S, FA_NONE, NULL, "namespace labels: not read"},
    {"k8s.pod.label", S, FA_KEY, NULL, "pod labels by key: not read"},
    {"k8s.pod.ip", S, FA_NONE, NULL, "pod IP: not read"},
    {"k8s.pod.cni.json", S, FA_NONE, NULL, "CNI result: not read"},
    {"user.homedir", S, FA_NONE, NULL, "home directory: not read"},
    {"user.shell", S, FA_NONE, NULL, "shell: not read"},
    {NULL, 0, 0, NULL, NULL},
};

#undef S
#undef I
#undef B

/* The main table, then Falco's other fields (fields_falco.c). */
static const struct field_def *const field_tables[] = {field_table, field_falco_table};
#define FIELD_NTABLES (sizeof(field_tables) / sizeof(field_tables[0]))

/*
 * field_lookup's index, built once: every entry of field_tables sorted by
 * name, ties by table order, so a binary search finds the entry the linear
 * walk would (the first of its name). Compiling the upstream rules looks
 * names up tens of thousands of times; the walk's strcmp was a third of the
 * compilation. The tables themselves stay as they are.
 */
struct field_ix {
	const struct field_def *def;
	size_t order; /* position in the walk: table by table, entry by entry */
};

static struct field_ix *field_index;
static size_t field_nindex;
static pthread_once_t field_index_once = PTHREAD_ONCE_INIT;

static int field_ix_cmp(const void *a, const void *b)
{
	const struct field_ix *x = a, *y = b;
	int c = strcmp(x->def->name, y->def->name);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Without memory for the index, field_lookup walks the tables. */
static void field_index_build(void)
{
	size_t n = 0, k = 0;

	for (size_t t = 0; t < FIELD_NTABLES; t++)
		for (const struct field_def *f = field_tables[t]; f->name; f++)
			n++;
	field_index = malloc(n * sizeof(*field_index));
	if (!field_index)
		return;
	for (size_t t = 0; t < FIELD_NTABLES; t++)
		for (const struct field_def *f = field_tables[t]; f->name; f++, k++)
			field_index[k] = (struct field_ix){f, k};
	qsort(field_index, n, sizeof(*field_index), field_ix_cmp);
	field_nindex = n;
}

/* The first (in walk order) entry named exactly the len bytes of name and,
 * when key_only, taking a FA_KEY argument; NULL if none. */
static const struct field_ix *field_index_find(const char *name, size_t len, int key_only)
{
	size_t lo = 0, hi = field_nindex;

	/* the first entry whose name begins with name[0..len): an exact one
	 * sorts before every longer one */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *m = field_index[mid].def->name;
		if (strncmp(m, name, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < field_nindex; lo++) {
		const struct field_def *f = field_index[lo].def;
		if (strncmp(f->name, name, len) != 0 || f->name[len] != '\0')
			return NULL;
		if (!key_only || f->arg == FA_KEY)
			return &field_index[lo];
	}
	return NULL;
}

/* The linear walk: the index could not be built. */
static const struct field_def *field_walk(const char *name, const char **dotarg)
{
	for (size_t t = 0; t < FIELD_NTABLES; t++)
		for (const struct field_def *f = field_tables[t]; f->name; f++)
			if (strcmp(f->name, name) == 0)
				return f;
	/* evt.arg.NAME, evt.rawarg.NAME, proc.env.NAME style suffixes */
	for (size_t t = 0; t < FIELD_NTABLES; t++)
		for (const struct field_def *f = field_tables[t]; f->name; f++) {
			size_t n = strlen(f->name);
			if (f->arg == FA_KEY && strncmp(name, f->name, n) == 0 && name[n] == '.' &&
			    name[n + 1]) {
				*dotarg = name + n + 1;
				return f;
			}
		}
	return NULL;
}

const struct field_def *field_lookup(const char *name, const char **dotarg)
{
	const struct field_ix *best = NULL;

	*dotarg = NULL;
	pthread_once(&field_index_once, field_index_build);
	if (!field_index)
		return field_walk(name, dotarg);
	best = field_index_find(name, strlen(name), 0);
	if (best)
		return best->def;
	/* evt.arg.NAME, evt.rawarg.NAME, proc.env.NAME style suffixes: of the
	 * FA_KEY fields naming a prefix of name up to a '.', the walk's first */
	for (const char *dot = strchr(name, '.'); dot; dot = strchr(dot + 1, '.')) {
		const struct field_ix *ix;
		if (!dot[1])
			break;
		ix = field_index_find(name, (size_t)(dot - name), 1);
		if (ix && (!best || ix->order < best->order)) {
			best = ix;
			*dotarg = dot + 1;
		}
	}
	return best ? best->def : NULL;
}

int field_extract(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
{
	v->s = NULL;
	v->len = 0;
	v->n = 0;
	if (!r->def->fn)
		return 0;
	return r->def->fn(c, r, v, b);
}

const char *field_format(const struct fref *r, const struct fval *v, char *buf, size_t n)
{
	switch (r->def->type) {
	case FT_INT:
		snprintf(buf, n, "%lld", (long long)v->n);
		return buf;
	case FT_BOOL:
		return v->n ? "true" : "false";
	default:
		return v->s;
	}
}

const char *field_type_name(enum ftype t)
{
	switch (t) {
	case FT_INT:
		return "INT64";
	case FT_BOOL:
		return "BOOL";
	case FT_IPNET:
		return "IPADDR";
	case FT_BYTES:
		return "BYTEBUF";
	default:
		return "CHARBUF";
	}
}

static void field_print_one(FILE *out, const struct field_def *table);

void field_print_table(FILE *out)
{
	fprintf(out, "Field Class: kestrel (audit syscall events)\n\n");
	for (size_t t = 0; t < FIELD_NTABLES; t++)
		field_print_one(out, field_tables[t]);
}

static void field_print_one(FILE *out, const struct field_def *table)
{
	for (const struct field_def *f = table; f->name; f++) {
		char name[96];

		snprintf(name, sizeof(name), "%s%s", f->name,
		         f->arg == FA_INDEX ? "[N]"
		         : f->arg == FA_KEY ? "[NAME]"
		                            : "");
		fprintf(out, "%-42s %-8s %s%s\n", name, field_type_name(f->type),
		        f->fn ? "" : "(unsupported) ", f->desc);
	}
}
