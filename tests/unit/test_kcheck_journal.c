/*
 * test_kcheck_journal.c — `kestrel --check` on other readers of the audit
 * multicast group: /proc/net/netlink parsed from captured text, the
 * holder of a socket found in a fake /proc tree, and the verdict naming
 * journald's audit socket with the command that stops it.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/kcheck.h"

/* Captured on a Debian 12 host (systemd-journald-audit.socket active,
 * auditd registered): the NETLINK_AUDIT (Eth 9) sockets are auditd's
 * (unicast: Groups 0), journald's (group 1, twice: journald and pid 1
 * share the socket-activated one, listed once) and an unbound one. */
static const char netlink_debian12[] =
    "sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode\n"
    "0000000032d62fdd 0   0          00000000 0        0        0     2        0        4       \n"
    "00000000a1b2c3d4 0   812        00000011 0        0        0     2        0        18234   \n"
    "000000008d978f57 9   623        00000000 0        0        0     2        0        17002   \n"
    "00000000aa00bb11 9   1          00000001 0        0        0     2        0        15873   \n"
    "000000006b92ad89 9   0          00000000 0        0        0     2        0        6       \n"
    "00000000cafe0001 15  0          00000001 0        0        0     2        0        9001    \n";

Test(kcheck_journal, multicast_audit_sockets_are_counted_with_their_inodes)
{
	unsigned long ino[4] = {0};

	cr_assert_eq(kcheck_audit_listeners(netlink_debian12, ino, 4), 1);
	cr_expect_eq(ino[0], 15873ul);
}

Test(kcheck_journal, no_reader_and_bad_input)
{
	unsigned long ino[2];
	/* the same table without journald's line: auditd's unicast socket
	 * and the uevent group (Eth 15) are not audit readers */
	const char *none =
	    "sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode\n"
	    "000000008d978f57 9   623        00000000 0        0        0     2        0        17002\n"
	    "00000000cafe0001 15  0          00000001 0        0        0     2        0        9001\n";
	cr_expect_eq(kcheck_audit_listeners(none, ino, 2), 0);
	cr_expect_eq(kcheck_audit_listeners("", ino, 2), 0);
	cr_expect_eq(kcheck_audit_listeners("garbage without a header\n9 1 1 1\n", ino, 2), 0);
	/* two readers, room for one: both counted, the first stored */
	const char *two =
	    "sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode\n"
	    "x 9 1 00000001 0 0 0 2 0 11\n"
	    "y 9 2 00000002 0 0 0 2 0 22\n";
	cr_expect_eq(kcheck_audit_listeners(two, ino, 1), 2);
	cr_expect_eq(ino[0], 11ul);
}

static char proc[] = "/tmp/kestrel-test-kcheck-journal-XXXXXX";

static void fake_process(long pid, const char *comm, const char *const *fds, int n)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%ld", proc, pid);
	cr_assert_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/%ld/fd", proc, pid);
	cr_assert_eq(mkdir(p, 0755), 0);
	for (int i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "%s/%ld/fd/%d", proc, pid, i + 3);
		cr_assert_eq(symlink(fds[i], p), 0);
	}
	snprintf(p, sizeof(p), "%s/%ld/comm", proc, pid);
	FILE *f = fopen(p, "w");
	cr_assert_not_null(f);
	fprintf(f, "%s\n", comm);
	fclose(f);
}

static void proc_setup(void)
{
	static const char *const init_fds[] = {"/dev/null", "socket:[15873]"};
	static const char *const other_fds[] = {"socket:[158730]", "pipe:[15873]"};
	static const char *const journald_fds[] = {"/var/log/journal/x", "socket:[15873]"};

	cr_assert_not_null(mkdtemp(proc));
	fake_process(1, "systemd", init_fds, 2);
	fake_process(200, "sshd", other_fds, 2);
	fake_process(312, "systemd-journal", journald_fds, 2);
}

static void proc_teardown(void)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", proc);
	cr_expect_eq(system(cmd), 0);
}

Test(kcheck_journal, the_holder_is_found_by_inode_not_pid_1, .init = proc_setup,
     .fini = proc_teardown)
{
	char comm[64];

	cr_expect_eq(kcheck_socket_owner(proc, 15873, 0, comm, sizeof(comm)), 312);
	cr_expect_str_eq(comm, "systemd-journal");
	/* nobody else: pid 1 is reported */
	cr_expect_eq(kcheck_socket_owner(proc, 15873, 312, comm, sizeof(comm)), 1);
	cr_expect_str_eq(comm, "systemd");
	/* 158730 and pipe:[15873] are other objects */
	cr_expect_eq(kcheck_socket_owner(proc, 1587, 0, comm, sizeof(comm)), 0);
	cr_expect_str_eq(comm, "");
}

Test(kcheck_journal, the_whole_collection_from_a_fake_proc, .init = proc_setup,
     .fini = proc_teardown)
{
	struct kcheck_facts f;
	char p[512];

	memset(&f, 0, sizeof(f));
	snprintf(p, sizeof(p), "%s/net", proc);
	cr_assert_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/net/netlink", proc);
	FILE *fp = fopen(p, "w");
	cr_assert_not_null(fp);
	fputs(netlink_debian12, fp);
	fclose(fp);
	kcheck_collect_listeners(proc, &f);
	cr_expect_eq(f.audit_listeners, 1);
	cr_expect_eq(f.listener_pid, 312);
	cr_expect_str_eq(f.listener_comm, "systemd-journal");
}

static const struct kcheck_item *find_item(const struct kcheck_item *it, size_t n,
                                           const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(it[i].name, name) == 0)
			return &it[i];
	return NULL;
}

Test(kcheck_journal, journald_is_a_warning_with_the_command_that_stops_it)
{
	struct kcheck_facts f;
	struct kcheck_item items[KCHECK_MAX_ITEMS];

	memset(&f, 0, sizeof(f));
	f.audit_listeners = 1;
	f.listener_pid = 312;
	snprintf(f.listener_comm, sizeof(f.listener_comm), "systemd-journal");
	size_t n = kcheck_evaluate(&f, items, KCHECK_MAX_ITEMS);
	const struct kcheck_item *it = find_item(items, n, "journald audit socket");

	cr_assert_not_null(it);
	cr_expect_eq(it->verdict, KCHECK_WARN);
	cr_expect(strstr(it->detail, "systemd-journal (pid 312)") != NULL, "%s", it->detail);
	cr_expect(strstr(it->detail, "journal") != NULL);
	cr_expect_str_eq(it->advice, "systemctl mask --now systemd-journald-audit.socket");

	/* another reader: named, but not as journald */
	snprintf(f.listener_comm, sizeof(f.listener_comm), "audisp-remote");
	n = kcheck_evaluate(&f, items, KCHECK_MAX_ITEMS);
	cr_expect_null(find_item(items, n, "journald audit socket"));
	it = find_item(items, n, "audit log readers");
	cr_assert_not_null(it);
	cr_expect(strstr(it->detail, "audisp-remote (pid 312)") != NULL, "%s", it->detail);

	/* none, or unknown: no item */
	f.audit_listeners = 0;
	n = kcheck_evaluate(&f, items, KCHECK_MAX_ITEMS);
	cr_expect_null(find_item(items, n, "audit log readers"));
	cr_expect_null(find_item(items, n, "journald audit socket"));
	f.audit_listeners = -1;
	n = kcheck_evaluate(&f, items, KCHECK_MAX_ITEMS);
	cr_expect_null(find_item(items, n, "journald audit socket"));
}
