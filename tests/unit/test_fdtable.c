/*
 * test_fdtable.c — the per-process fd table rebuilt from audit events
 * (src/proc/fdtable.c): sockets described by connect/bind/accept, dup
 * copies, the latest writer of an fd number wins, the bound and its
 * eviction count, fork copies, close and sendto.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "proc/fdtable.h"

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
