/*
 * test_fdtable.c — the per-process fd table rebuilt from audit events
 * (src/proc/fdtable.c): sockets described by connect/bind/accept, dup
 * copies, the latest writer of an fd number wins, the bound and its
 * eviction count, fork copies, close and sendto; the local end of a
 * connected socket looked up in /proc (a real socket of this process, and
 * a hand-made proc tree), and through the engine's fd.name in live mode;
 * the cwd kept across chdir/fchdir, in the table and the process table.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/engine.h"
#include "proc/fdtable.h"
#include "proc/proc.h"

static struct kevent sc(const char *name, int64_t exit, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct kevent ev;
	memset(&ev, 0, sizeof(ev));
	ev.has_syscall = 1;
	ev.syscall_name = name;
	ev.exit = exit;
	ev.success = exit >= 0;
	ev.a[0] = a0;
	ev.a[1] = a1;
	ev.a[2] = a2;
	return ev;
}

static void with_inet(struct kevent *ev, const char *ip, int port)
{
	ev->has_sockaddr = 1;
	ev->sockaddr.family = KEV_SA_INET;
	ev->sockaddr.raw_family = 2;
	snprintf(ev->sockaddr.addr, sizeof(ev->sockaddr.addr), "%s", ip);
	ev->sockaddr.port = port;
}

static void apply(struct fdtable **t, struct kevent ev)
{
	cr_assert_geq(fdtable_apply(t, &ev), 0, "%s", ev.syscall_name);
}

Test(fdtable, connected_tcp_socket_dup2_onto_stdin)
{
	struct fdtable *t = NULL;
	struct kevent c = sc("connect", 0, 3, 0, 0);

	apply(&t, sc("socket", 3, 2, 1, 0));
	with_inet(&c, "10.0.0.9", 4444);
	apply(&t, c);
	apply(&t, sc("dup2", 0, 3, 0, 0));
	const struct fd_entry *e = fdtable_get(t, 0);
	cr_assert_not_null(e);
	cr_assert_eq(e->kind, FDK_IPV4);
	cr_assert_eq(e->l4, FDL4_TCP);
	cr_assert(e->connected && !e->is_server);
	char ip[FDTABLE_IPLEN];
	cr_assert_str_eq(fdtable_ip_text(e, 0, ip), "10.0.0.9");
	cr_assert_str_eq(fdtable_ip_text(e, 1, ip), "", "local end unknown");
	cr_assert_eq(e->rport, 4444);
	cr_assert_str_eq(fdtable_kind_name(e->kind), "ipv4");
	cr_assert_eq(fdtable_kind_char(e->kind), '4');
	cr_assert_eq(fdtable_size(t), 2);
	fdtable_free(t);
}

Test(fdtable, latest_writer_of_a_number_wins)
{
	struct fdtable *t = NULL;
	struct kevent o = sc("openat", 3, (uint64_t)-100, 0, 0);
	struct kev_path p = {.name = "out.txt", .nametype = "NORMAL", .mode = 0100644};

	apply(&t, sc("socket", 3, 2, 1, 0));
	o.cwd = "/root";
	o.npaths = 1;
	o.paths = &p;
	apply(&t, o); /* the close of 3 was not audited */
	const struct fd_entry *e = fdtable_get(t, 3);
	cr_assert_eq(e->kind, FDK_FILE);
	cr_assert_str_eq(e->name, "/root/out.txt");
	/* dup2 from an fd nobody described: the target is no longer known */
	apply(&t, sc("dup2", 3, 9, 3, 0));
	cr_assert_null(fdtable_get(t, 3));
	/* a failed socket() changes nothing */
	apply(&t, sc("socket", -24, 2, 1, 0));
	cr_assert_eq(fdtable_size(t), 0);
	fdtable_free(t);
}

Test(fdtable, accept_takes_the_listener_as_server_end)
{
	struct fdtable *t = NULL;
	struct kevent b = sc("bind", 0, 3, 0, 0), a = sc("accept4", 5, 3, 0, 0);

	apply(&t, sc("socket", 3, 10, 1, 0));
	with_inet(&b, "::", 8080);
	b.sockaddr.family = KEV_SA_INET6;
	apply(&t, b);
	apply(&t, sc("listen", 0, 3, 128, 0));
	with_inet(&a, "192.0.2.7", 50000);
	apply(&t, a);
	const struct fd_entry *e = fdtable_get(t, 5);
	cr_assert_eq(e->kind, FDK_IPV6);
	cr_assert(e->is_server && e->connected);
	char ip[FDTABLE_IPLEN];
	cr_assert_str_eq(fdtable_ip_text(e, 1, ip), "::");
	cr_assert_eq(e->lport, 8080);
	cr_assert_str_eq(fdtable_ip_text(e, 0, ip), "::ffff:192.0.2.7");
	cr_assert(fdtable_get(t, 3)->is_server);
	cr_assert(!fdtable_get(t, 3)->connected);
	fdtable_free(t);
}

Test(fdtable, fcntl_dupfd_copies_other_commands_do_not)
{
	struct fdtable *t = NULL;

	apply(&t, sc("socket", 4, 1, 1, 0));
	apply(&t, sc("fcntl", 10, 4, 1030, 0)); /* F_DUPFD_CLOEXEC */
	apply(&t, sc("fcntl", 0, 4, 2, 1));     /* F_SETFD */
	cr_assert_eq(fdtable_get(t, 10)->kind, FDK_UNIX);
	cr_assert_eq(fdtable_size(t), 2);
	apply(&t, sc("close", 0, 10, 0, 0));
	cr_assert_null(fdtable_get(t, 10));
	fdtable_free(t);
}

Test(fdtable, bounded_with_oldest_evicted_and_counted)
{
	struct fdtable *t = NULL;
	uint64_t before = fdtable_evictions();

	for (int fd = 3; fd < 3 + FDTABLE_MAX + 10; fd++)
		apply(&t, sc("memfd_create", fd, 0, 0, 0));
	cr_assert_eq(fdtable_size(t), FDTABLE_MAX);
	cr_assert_eq(fdtable_evictions() - before, 10);
	cr_assert_null(fdtable_get(t, 3));
	cr_assert_eq(fdtable_get(t, 3 + FDTABLE_MAX + 9)->kind, FDK_MEMFD);
	fdtable_free(t);
}

Test(fdtable, clone_is_a_deep_copy)
{
	struct fdtable *t = NULL;
	struct kevent c = sc("connect", 0, 3, 0, 0);

	apply(&t, sc("socket", 3, 1, 1, 0));
	c.has_sockaddr = 1;
	c.sockaddr.family = KEV_SA_UNIX;
	snprintf(c.sockaddr.addr, sizeof(c.sockaddr.addr), "/run/x.sock");
	apply(&t, c);
	struct fdtable *k = fdtable_clone(t);
	fdtable_free(t);
	cr_assert_str_eq(fdtable_get(k, 3)->name, "/run/x.sock");
	fdtable_free(k);
	cr_assert_null(fdtable_clone(NULL));
}

Test(fdtable, sendto_new_destination_changes_the_name)
{
	struct fdtable *t = NULL;
	struct kevent s1 = sc("sendto", 10, 3, 0, 0);

	apply(&t, sc("socket", 3, 2, 2, 0));
	cr_assert_eq(fdtable_get(t, 3)->l4, FDL4_UDP);
	with_inet(&s1, "198.51.100.1", 53);
	apply(&t, s1);
	cr_assert(fdtable_get(t, 3)->name_changed);
	apply(&t, s1);
	cr_assert(!fdtable_get(t, 3)->name_changed);
	cr_assert_eq(fdtable_apply(&t, &(struct kevent){.syscall_name = "read"}), 0);
	fdtable_free(t);
}

Test(fdtable, pipe_fd_pair_replaces_a_stale_socket)
{
	struct fdtable *t = NULL;
	struct kevent p = sc("pipe2", 0, 0x7ffd, 0, 0);

	apply(&t, sc("socket", 5, 2, 1, 0)); /* its close was not audited */
	p.fd_pair[0] = 5;
	p.fd_pair[1] = 6;
	apply(&t, p);
	cr_assert_eq(fdtable_get(t, 5)->kind, FDK_PIPE);
	cr_assert_eq(fdtable_get(t, 6)->kind, FDK_PIPE);
	cr_assert_str_eq(fdtable_kind_name(FDK_PIPE), "pipe");
	/* without its FD_PAIR record nothing is written */
	p.fd_pair[0] = p.fd_pair[1] = -1;
	cr_assert_eq(fdtable_apply(&t, &p), 0);
	fdtable_free(t);
}

/* ---- the local end of a connected socket (live) ---- */

/* A TCP listener on 127.0.0.1 and a client connected to it, in this
 * process; *port is the listener's, *cport the client's own. */
static void loopback_pair(int *lfd, int *cfd, int *port, int *cport)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);

	*lfd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(*lfd, 0);
	cr_assert_eq(bind(*lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(*lfd, 4), 0);
	cr_assert_eq(getsockname(*lfd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	*cfd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(*cfd, 0);
	cr_assert_eq(connect(*cfd, (struct sockaddr *)&a, sizeof(a)), 0);
	len = sizeof(a);
	cr_assert_eq(getsockname(*cfd, (struct sockaddr *)&a, &len), 0);
	*cport = ntohs(a.sin_port);
}

/* The fd table audit would give for the client: socket + connect. */
static struct fdtable *client_table(int cfd, int port)
{
	struct fdtable *t = NULL;
	struct kevent c = sc("connect", 0, (uint64_t)cfd, 0, 0);

	apply(&t, sc("socket", cfd, 2, 1, 0));
	with_inet(&c, "127.0.0.1", port);
	apply(&t, c);
	return t;
}

Test(fdtable, local_end_of_a_live_client_socket_from_proc)
{
	int lfd, cfd, port, cport;
	char ip[FDTABLE_IPLEN];

	loopback_pair(&lfd, &cfd, &port, &cport);
	struct fdtable *t = client_table(cfd, port);
	const struct fd_entry *e = fdtable_get(t, cfd);
	cr_assert(fdtable_needs_local(e), "connect gives no local end");
	uint64_t looked = fdtable_local_lookups(), missed = fdtable_local_misses();
	cr_assert_eq(fdtable_resolve_local(t, cfd, getpid(), "/proc"), 1);
	cr_assert_str_eq(fdtable_ip_text(e, 1, ip), "127.0.0.1");
	cr_assert_eq(e->lport, cport);
	cr_assert_eq(e->rport, port);
	cr_assert_eq(fdtable_local_lookups() - looked, 1);
	cr_assert_eq(fdtable_local_misses() - missed, 0);
	/* once known, never looked up again */
	cr_assert(!fdtable_needs_local(e));
	cr_assert_eq(fdtable_resolve_local(t, cfd, getpid(), "/proc"), 0);
	cr_assert_eq(fdtable_local_lookups() - looked, 1);
	fdtable_free(t);

	/* the fd was closed (or the process is gone): unknown, counted, once */
	t = client_table(cfd, port);
	close(cfd);
	cr_assert_eq(fdtable_resolve_local(t, cfd, getpid(), "/proc"), 0);
	cr_assert_eq(fdtable_local_misses() - missed, 1);
	cr_assert_str_eq(fdtable_ip_text(fdtable_get(t, cfd), 1, ip), "");
	cr_assert(!fdtable_needs_local(fdtable_get(t, cfd)), "tried once");
	fdtable_free(t);
	close(lfd);
}

/* A hand-made proc tree: root/<pid>/fd/<fd> -> socket:[inode] and
 * root/<pid>/net/<file> holding line. */
static void fake_proc(const char *root, int fd, unsigned long inode, const char *file,
                      const char *line)
{
	char p[512], target[64];
	snprintf(p, sizeof(p), "%s/4242", root);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/4242/fd", root);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/4242/net", root);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/4242/fd/%d", root, fd);
	snprintf(target, sizeof(target), "socket:[%lu]", inode);
	unlink(p);
	cr_assert_eq(symlink(target, p), 0);
	snprintf(p, sizeof(p), "%s/4242/net/%s", root, file);
	FILE *f = fopen(p, "w");
	cr_assert_not_null(f);
	fprintf(
	    f, "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
	       "timeout inode\n");
	fprintf(f,
	        "   0: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000     "
	        "0        0 1111 1 0000000000000000 100 0 0 10 0\n");
	fputs(line, f);
	fclose(f);
}

Test(fdtable, local_end_from_a_proc_tree_checks_the_remote_end)
{
	char root[] = "/tmp/kestrel-fdt-XXXXXX", ip[FDTABLE_IPLEN];
	struct fdtable *t = NULL;
	struct kevent c = sc("connect", 0, 5, 0, 0);

	cr_assert_not_null(mkdtemp(root));
	/* 10.1.2.3:40000 -> 203.0.113.10:4444, printed as the kernel does
	 * on a little-endian machine (the test builds the words natively) */
	uint8_t l[4] = {10, 1, 2, 3}, r[4] = {203, 0, 113, 10};
	uint32_t lw, rw;
	memcpy(&lw, l, 4);
	memcpy(&rw, r, 4);
	char line[256];
	snprintf(
	    line, sizeof(line),
	    "   1: %08X:9C40 %08X:115C 01 00000000:00000000 00:00000000 00000000     0        0 "
	    "777 1 0000000000000000 20 4 30 10 -1\n",
	    lw, rw);
	fake_proc(root, 5, 777, "tcp", line);
	apply(&t, sc("socket", 5, 2, 1, 0));
	with_inet(&c, "203.0.113.10", 4444);
	apply(&t, c);
	cr_assert_eq(fdtable_resolve_local(t, 5, 4242, root), 1);
	const struct fd_entry *e = fdtable_get(t, 5);
	cr_assert_str_eq(fdtable_ip_text(e, 1, ip), "10.1.2.3");
	cr_assert_eq(e->lport, 40000);

	/* a new connect of the number (to another port): the line's remote end
	 * is not the entry's, so nothing is taken from it */
	with_inet(&c, "203.0.113.10", 22);
	apply(&t, c);
	cr_assert(fdtable_needs_local(fdtable_get(t, 5)) == 0, "the old local end stays known");
	fdtable_free(t);
	t = NULL;
	apply(&t, sc("socket", 5, 2, 1, 0));
	apply(&t, c);
	uint64_t missed = fdtable_local_misses();
	cr_assert_eq(fdtable_resolve_local(t, 5, 4242, root), 0);
	cr_assert_eq(fdtable_local_misses() - missed, 1);
	/* no such process */
	fdtable_free(t);
	t = NULL;
	apply(&t, sc("socket", 5, 2, 1, 0));
	with_inet(&c, "203.0.113.10", 4444);
	apply(&t, c);
	cr_assert_eq(fdtable_resolve_local(t, 5, 4343, root), 0);
	cr_assert_eq(fdtable_local_misses() - missed, 2);
	fdtable_free(t);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	cr_assert_eq(system(cmd), 0);
}

/* The words of a 16-byte address as /proc/net/tcp6 prints them. */
static void tcp6_hex(const char *ip, char out[33])
{
	uint8_t b[16];
	uint32_t w;
	cr_assert_eq(inet_pton(AF_INET6, ip, b), 1);
	for (int i = 0; i < 4; i++) {
		memcpy(&w, b + 4 * i, 4);
		snprintf(out + 8 * i, 9, "%08X", w);
	}
}

Test(fdtable, local_end_of_an_ipv6_socket_from_tcp6)
{
	char root[] = "/tmp/kestrel-fdt6-XXXXXX", ip[FDTABLE_IPLEN], l[33], r[33], line[256];
	struct fdtable *t = NULL;
	struct kevent c = sc("connect", 0, 6, 0, 0);

	cr_assert_not_null(mkdtemp(root));
	tcp6_hex("2001:db8::1", l);
	tcp6_hex("2001:db8::10", r);
	snprintf(line, sizeof(line),
	         "   1: %s:9C41 %s:115C 01 00000000:00000000 00:00000000 00000000     0        0 "
	         "888 1 0000000000000000 20 4 30 10 -1\n",
	         l, r);
	fake_proc(root, 6, 888, "tcp6", line);
	apply(&t, sc("socket", 6, 10, 1, 0));
	with_inet(&c, "2001:db8::10", 4444);
	c.sockaddr.family = KEV_SA_INET6;
	c.sockaddr.raw_family = 10;
	apply(&t, c);
	cr_assert_eq(fdtable_resolve_local(t, 6, 4242, root), 1);
	cr_assert_str_eq(fdtable_ip_text(fdtable_get(t, 6), 1, ip), "2001:db8::1");
	cr_assert_eq(fdtable_get(t, 6)->lport, 40001);
	fdtable_free(t);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	cr_assert_eq(system(cmd), 0);
}

/* The engine's fd.name and fd.lport on a connect: 0.0.0.0:0 for the local
 * end in replay; in live mode the client's real address and port. */
static void on_alert_copy(const struct alert *a, void *arg)
{
	snprintf(arg, 512, "%s", a->output);
}

static void eval_connect(int live, int cfd, int port, char out[512])
{
	static const char rule[] = "- rule: c\n  desc: d\n  condition: evt.type = connect\n"
	                           "  output: name=%fd.name lport=%fd.lport cport=%fd.cport\n"
	                           "  priority: NOTICE\n";
	struct engine_diag *d = engine_diag_new();
	struct engine *e = engine_new();
	struct proc_table *pt = proc_table_new(PROC_TABLE_REPLAY);
	struct kevent s = sc("socket", cfd, 2, 1, 0), c = sc("connect", 0, (uint64_t)cfd, 0, 0);

	engine_set_append_output(e, NULL); /* no container fields */
	cr_assert_eq(engine_add_buffer(e, "r.yaml", rule, strlen(rule), d), 0);
	cr_assert_eq(engine_compile(e, d), 0);
	engine_set_live(e, live);
	s.pid = c.pid = getpid();
	s.time_ns = c.time_ns = 1700000000ull * 1000000000ull;
	with_inet(&c, "127.0.0.1", port);
	out[0] = '\0';
	proc_table_update(pt, &s);
	proc_table_update(pt, &c);
	cr_assert_eq(engine_eval(e, &c, pt, on_alert_copy, out), 1);
	proc_table_free(pt);
	engine_free(e);
	engine_diag_free(d);
}

Test(fdtable, engine_fd_name_has_the_local_end_only_live)
{
	int lfd, cfd, port, cport;
	char out[512], want[128];

	loopback_pair(&lfd, &cfd, &port, &cport);
	eval_connect(0, cfd, port, out);
	snprintf(want, sizeof(want), "name=0.0.0.0:0->127.0.0.1:%d lport=<NA> cport=<NA>", port);
	cr_assert_str_eq(out, want);
	eval_connect(1, cfd, port, out);
	snprintf(want, sizeof(want), "name=127.0.0.1:%d->127.0.0.1:%d lport=%d cport=%d", cport,
	         port, cport, cport);
	cr_assert_str_eq(out, want);
	close(cfd);
	close(lfd);
}

/* ---- the cwd across chdir/fchdir ---- */

static struct kevent chdir_ev(const char *cwd, struct kev_path *p, const char *name)
{
	struct kevent ev = sc("chdir", 0, 0, 0, 0);
	memset(p, 0, sizeof(*p));
	p->name = name;
	p->nametype = "NORMAL";
	p->mode = 040755;
	ev.cwd = cwd;
	ev.npaths = 1;
	ev.paths = p;
	return ev;
}

Test(fdtable, chdir_and_fchdir_give_the_new_cwd)
{
	struct kev_path p;
	struct kevent ev;
	char out[256];

	ev = chdir_ev("/home/u", &p, "/tmp/x/");
	cr_assert_eq(fdtable_new_cwd(NULL, &ev, NULL, out, sizeof(out)), 1);
	cr_assert_str_eq(out, "/tmp/x");
	ev = chdir_ev("/home/u", &p, "a/./b/../c");
	cr_assert_eq(fdtable_new_cwd(NULL, &ev, NULL, out, sizeof(out)), 1);
	cr_assert_str_eq(out, "/home/u/a/c");
	ev = chdir_ev("/home/u", &p, "../../..");
	cr_assert_eq(fdtable_new_cwd(NULL, &ev, NULL, out, sizeof(out)), 1);
	cr_assert_str_eq(out, "/");
	/* no CWD record: relative to the known cwd, else unknown */
	ev = chdir_ev(NULL, &p, "sub");
	cr_assert_eq(fdtable_new_cwd(NULL, &ev, "/srv", out, sizeof(out)), 1);
	cr_assert_str_eq(out, "/srv/sub");
	cr_assert_eq(fdtable_new_cwd(NULL, &ev, NULL, out, sizeof(out)), -1);
	/* a failed chdir, and other syscalls, change nothing */
	ev = chdir_ev("/home/u", &p, "/nonexistent");
	ev.exit = -2;
	cr_assert_eq(fdtable_new_cwd(NULL, &ev, NULL, out, sizeof(out)), 0);
	ev = sc("connect", 0, 3, 0, 0);
	cr_assert_eq(fdtable_new_cwd(NULL, &ev, "/", out, sizeof(out)), 0);
	/* too long for out */
	ev = chdir_ev("/home/u", &p, "/a-rather-long-directory-name");
	cr_assert_eq(fdtable_new_cwd(NULL, &ev, NULL, out, 8), -1);

	/* fchdir: the directory the fd table knows the fd for */
	struct fdtable *t = NULL;
	struct kevent o = sc("openat", 7, (uint64_t)-100, 0, 0);
	struct kev_path d = {.name = "/var/lib", .nametype = "NORMAL", .mode = 040755};
	o.npaths = 1;
	o.paths = &d;
	o.cwd = "/";
	apply(&t, o);
	ev = sc("fchdir", 0, 7, 0, 0);
	cr_assert_eq(fdtable_new_cwd(t, &ev, "/", out, sizeof(out)), 1);
	cr_assert_str_eq(out, "/var/lib");
	ev = sc("fchdir", 0, 8, 0, 0);
	cr_assert_eq(fdtable_new_cwd(t, &ev, "/", out, sizeof(out)), -1, "an fd the table lacks");
	fdtable_free(t);
}

Test(fdtable, process_cwd_follows_chdir_to_later_events_without_cwd)
{
	struct proc_table *pt = proc_table_new(PROC_TABLE_REPLAY);
	struct kev_path p;
	struct kevent ev = chdir_ev("/root", &p, "/tmp/work");
	const uint64_t t0 = 1700000000ull * 1000000000ull;

	ev.pid = 777;
	ev.ppid = 1;
	ev.time_ns = t0;
	proc_table_update(pt, &ev);
	struct kevent c = sc("connect", 0, 3, 0, 0);
	c.pid = 777;
	c.ppid = 1;
	c.time_ns = t0 + 1000;
	proc_table_update(pt, &c);
	cr_assert_str_eq(proc_table_get(pt, 777)->cwd, "/tmp/work");
	/* fchdir of an fd the table does not know: unknown, not stale */
	struct kevent f = sc("fchdir", 0, 9, 0, 0);
	f.pid = 777;
	f.ppid = 1;
	f.time_ns = t0 + 2000;
	proc_table_update(pt, &f);
	cr_assert_null(proc_table_get(pt, 777)->cwd);
	/* the next CWD record tells again */
	c.cwd = "/srv";
	c.time_ns = t0 + 3000;
	proc_table_update(pt, &c);
	cr_assert_str_eq(proc_table_get(pt, 777)->cwd, "/srv");
	proc_table_free(pt);
}
