/*
 * test_users.c — user and group names resolved in the process's own root:
 * a fake procroot (<tmp>/<pid>/root -> a fake root, <tmp>/<pid>/ns/mnt) over
 * tests/fixtures/containers/root and root-alt, cached per mount namespace.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "proc/users.h"
#include "testutil.h"

static char procroot[64];

static const char *fixture(const char *sub, char *buf, size_t len)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "tests/fixtures/containers/%s", sub);
	return tu_srcpath(buf, len, rel);
}

/* <procroot>/<pid>/root -> root and <procroot>/<pid>/ns/mnt -> "mnt:[ns]",
 * the shape of the real /proc links. */
static void fake_pid(int pid, const char *root, unsigned ns)
{
	char path[4096], target[64];

	snprintf(path, sizeof(path), "%s/%d/ns", procroot, pid);
	tu_mkdirs(path);
	snprintf(path, sizeof(path), "%s/%d/root", procroot, pid);
	unlink(path);
	cr_assert_eq(symlink(root, path), 0, "%s", path);
	snprintf(path, sizeof(path), "%s/%d/ns/mnt", procroot, pid);
	snprintf(target, sizeof(target), "mnt:[%u]", ns);
	cr_assert_eq(symlink(target, path), 0, "%s", path);
}

static void setup(void)
{
	char root[4096], alt[4096];

	snprintf(procroot, sizeof(procroot), "/tmp/kestrel-users-XXXXXX");
	cr_assert_not_null(mkdtemp(procroot));
	fake_pid(100, fixture("root", root, sizeof(root)), 4026531841u);
	fake_pid(200, fixture("root-alt", alt, sizeof(alt)), 4026532200u);
	/* pid 300 shares pid 100's mount namespace but its root link points
	 * elsewhere: only the namespace decides which table answers */
	fake_pid(300, alt, 4026531841u);
}

static void teardown(void)
{
	tu_rmtree(procroot);
}

TestSuite(users, .init = setup, .fini = teardown);

Test(users, names_come_from_the_process_root)
{
	struct user_cache *uc = user_cache_new(procroot);

	cr_assert_not_null(uc);
	cr_expect_str_eq(user_cache_name(uc, 100, 0), "root");
	cr_expect_str_eq(user_cache_name(uc, 100, 1000), "alice");
	cr_expect_str_eq(user_cache_name(uc, 200, 1000), "bob");
	cr_expect_str_eq(user_cache_name(uc, 200, 101), "nginx");
	cr_expect_null(user_cache_name(uc, 100, 101));
	cr_expect_null(user_cache_name(uc, 200, 33));
	user_cache_free(uc);
}

Test(users, malformed_passwd_line_does_not_hide_later_entries)
{
	struct user_cache *uc = user_cache_new(procroot);

	cr_assert_not_null(uc);
	/* www-data follows a line that is not a passwd entry */
	cr_expect_str_eq(user_cache_name(uc, 100, 33), "www-data");
	cr_expect_str_eq(user_cache_name(uc, 100, 65534), "nobody");
	user_cache_free(uc);
}

Test(users, group_names_from_the_process_root)
{
	struct user_cache *uc = user_cache_new(procroot);

	cr_assert_not_null(uc);
	cr_expect_str_eq(user_cache_group(uc, 100, 50), "staff");
	cr_expect_str_eq(user_cache_group(uc, 100, 65534), "nogroup");
	cr_expect_str_eq(user_cache_group(uc, 200, 101), "nginx");
	cr_expect_null(user_cache_group(uc, 200, 50));
	user_cache_free(uc);
}

Test(users, cached_per_mount_namespace)
{
	struct user_cache *uc = user_cache_new(procroot);
	const char *first;

	cr_assert_not_null(uc);
	first = user_cache_name(uc, 100, 1000);
	cr_expect_str_eq(first, "alice");
	/* same namespace as pid 100: answered from its table */
	cr_expect_eq(user_cache_name(uc, 300, 1000), first);
	cr_expect_null(user_cache_name(uc, 300, 101));
	user_cache_free(uc);
}

/* The cache's own pid (kestrel's: asked for on every alert of a replay)
 * reads its namespace link once; any other pid reads its link each time. */
Test(users, own_namespace_is_read_once)
{
	char root[4096], alt[4096], path[4096];
	int self = (int)getpid();

	fake_pid(self, fixture("root", root, sizeof(root)), 4026531841u);
	struct user_cache *uc = user_cache_new(procroot);
	cr_assert_not_null(uc);
	cr_expect_str_eq(user_cache_name(uc, self, 1000), "alice");
	/* now the links name another namespace and root, whose table says bob */
	snprintf(path, sizeof(path), "%s/%d/ns/mnt", procroot, self);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(symlink("mnt:[4026532777]", path), 0);
	snprintf(path, sizeof(path), "%s/%d/root", procroot, self);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(symlink(fixture("root-alt", alt, sizeof(alt)), path), 0);
	cr_expect_str_eq(user_cache_name(uc, self, 1000), "alice", "own namespace read again");
	cr_expect_str_eq(user_cache_name(uc, 200, 1000), "bob");
	user_cache_free(uc);
}

Test(users, unknown_process_or_id_gives_no_name)
{
	struct user_cache *uc = user_cache_new(procroot);

	cr_assert_not_null(uc);
	cr_expect_null(user_cache_name(uc, 999999, 0));
	cr_expect_null(user_cache_name(uc, 100, 424242));
	cr_expect_null(user_cache_name(uc, 100, -5));
	cr_expect_null(user_cache_name(uc, 100, 4294967296ll));
	cr_expect_null(user_cache_name(uc, 0, 0));
	user_cache_free(uc);
}

Test(users, loginuid_unset_is_minus_one_without_a_name)
{
	struct user_cache *uc = user_cache_new(procroot);

	cr_assert_not_null(uc);
	cr_expect_eq(user_loginuid(4294967295ll), -1);
	cr_expect_eq(user_loginuid(-1), -1);
	cr_expect_eq(user_loginuid(0), 0);
	cr_expect_eq(user_loginuid(1000), 1000);
	cr_expect_null(user_cache_loginname(uc, 100, 4294967295ll));
	cr_expect_null(user_cache_loginname(uc, 100, -1));
	cr_expect_str_eq(user_cache_loginname(uc, 100, 1000), "alice");
	cr_expect_str_eq(user_cache_loginname(uc, 200, 1000), "bob");
	user_cache_free(uc);
}

Test(users, symlinks_resolve_inside_the_process_root)
{
	struct open_how how = {.flags = O_RDONLY};
	char root[2048], path[4096];
	struct user_cache *uc;
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));

	if (fd < 0 && errno == ENOSYS)
		cr_skip_test("openat2 unavailable here (old kernel or valgrind)");
	if (fd >= 0)
		close(fd);
	/* etc/passwd -> /data/passwd must mean <root>/data/passwd, as the
	 * process sees it, never the host's /data/passwd */
	snprintf(root, sizeof(root), "%s/evilroot", procroot);
	snprintf(path, sizeof(path), "%s/etc", root);
	tu_mkdirs(path);
	snprintf(path, sizeof(path), "%s/data", root);
	tu_mkdirs(path);
	snprintf(path, sizeof(path), "%s/data/passwd", root);
	tu_write_file(path, "mallory:x:0:0::/:/bin/sh\n");
	snprintf(path, sizeof(path), "%s/etc/passwd", root);
	cr_assert_eq(symlink("/data/passwd", path), 0);
	fake_pid(400, root, 4026532400u);
	uc = user_cache_new(procroot);
	cr_assert_not_null(uc);
	cr_expect_str_eq(user_cache_name(uc, 400, 0), "mallory");
	user_cache_free(uc);
}

Test(users, changed_passwd_is_reread_after_the_reload_interval, .timeout = 30)
{
	char root[2048], path[4096];
	struct user_cache *uc;
	const char *alice;

	snprintf(root, sizeof(root), "%s/liveroot", procroot);
	snprintf(path, sizeof(path), "%s/etc", root);
	tu_mkdirs(path);
	snprintf(path, sizeof(path), "%s/etc/passwd", root);
	tu_write_file(path, "alice:x:1000:1000::/:/bin/sh\n");
	fake_pid(500, root, 4026532500u);
	uc = user_cache_new(procroot);
	cr_assert_not_null(uc);
	alice = user_cache_name(uc, 500, 1000);
	cr_expect_str_eq(alice, "alice");
	cr_expect_null(user_cache_name(uc, 500, 2000));
	tu_write_file(path, "alice:x:1000:1000::/:/bin/sh\ncarol:x:2000:2000::/:/bin/sh\n");
	cr_expect_null(user_cache_name(uc, 500, 2000), "re-read before the interval");
	usleep((useconds_t)(USER_RELOAD_MIN_NS / 1000 + 200000));
	cr_expect_str_eq(user_cache_name(uc, 500, 2000), "carol");
	/* a name handed out before the re-read is still valid */
	cr_expect_str_eq(alice, "alice");
	user_cache_free(uc);
}

Test(users, namespace_id_is_read_from_the_ns_link)
{
	struct user_cache *uc = user_cache_new(procroot);
	char path[4096];

	cr_assert_not_null(uc);
	cr_expect_eq(user_mnt_ns(uc, 100), 4026531841ull);
	cr_expect_eq(user_mnt_ns(uc, 300), 4026531841ull);
	cr_expect_eq(user_mnt_ns(uc, 200), 4026532200ull);
	cr_expect_eq(user_mnt_ns(uc, 999999), 0);
	/* a link that is not "mnt:[<number>]" gives no namespace, hence no name */
	snprintf(path, sizeof(path), "%s/600/ns", procroot);
	tu_mkdirs(path);
	snprintf(path, sizeof(path), "%s/600/ns/mnt", procroot);
	cr_assert_eq(symlink("mnt:[12x]", path), 0);
	cr_expect_eq(user_mnt_ns(uc, 600), 0);
	cr_expect_null(user_cache_name(uc, 600, 0));
	/* with a known namespace the process link is not needed on a hit */
	cr_expect_str_eq(user_cache_name_ns(uc, 4026532200ull, 200, 1000), "bob");
	cr_expect_str_eq(user_cache_name_ns(uc, 4026532200ull, 999999, 101), "nginx");
	cr_expect_str_eq(user_cache_group_ns(uc, 4026531841ull, 100, 50), "staff");
	cr_expect_null(user_cache_name_ns(uc, 0, 100, 0));
	user_cache_free(uc);
}

Test(users, this_process_resolves_in_the_real_proc)
{
	struct user_cache *uc = user_cache_new("/proc");
	const char *name;

	cr_assert_not_null(uc);
	cr_expect_neq(user_mnt_ns(uc, getpid()), 0);
	name = user_cache_name(uc, getpid(), 0);
	cr_assert_not_null(name, "uid 0 has no name in this process's /etc/passwd");
	cr_expect_str_eq(name, "root");
	user_cache_free(uc);
}

/* ---- files a monitored process controls (issue 17 item 1) ---- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* <procroot>/hostile-<tag>/etc/, the root of a fake pid. */
static void hostile_root(const char *tag, char *root, size_t len)
{
	char etc[300];

	snprintf(root, len, "%s/hostile-%s", procroot, tag);
	snprintf(etc, sizeof(etc), "%s/etc", root);
	tu_mkdirs(etc);
}

/* A FIFO over etc/passwd (what `unshare -Urm` and a bind mount give any
 * user): the lookup must come back at once, refused, not wait for a writer. */
Test(users, fifo_passwd_is_refused_without_blocking, .timeout = 5)
{
	char root[256], path[320];
	struct user_cache *uc;
	double t0;

	hostile_root("fifo", root, sizeof(root));
	snprintf(path, sizeof(path), "%s/etc/passwd", root);
	cr_assert_eq(mkfifo(path, 0600), 0, "%s", path);
	fake_pid(400, root, 4026532400u);
	uc = user_cache_new(procroot);
	cr_assert_not_null(uc);
	t0 = now_s();
	cr_expect_null(user_cache_name(uc, 400, 0));
	cr_expect_lt(now_s() - t0, 1.0);
	cr_expect_eq(user_cache_refused(uc), 1);
	/* the host's names are unaffected */
	cr_expect_str_eq(user_cache_name(uc, 100, 1000), "alice");
	user_cache_free(uc);
}

/* A 16 MB passwd (valid lines, so the old reader parsed all of it): refused
 * by its size before a byte is parsed. */
Test(users, huge_passwd_is_refused_quickly, .timeout = 20)
{
	char root[256], path[320];
	struct user_cache *uc;
	double t0;
	FILE *f;

	hostile_root("huge", root, sizeof(root));
	snprintf(path, sizeof(path), "%s/etc/passwd", root);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	for (unsigned i = 0; ftell(f) < 16l << 20; i++)
		fprintf(f, "u%u:x:%u:%u:junk junk junk junk:/nonexistent:/bin/false\n", i, i, i);
	fclose(f);
	fake_pid(401, root, 4026532401u);
	uc = user_cache_new(procroot);
	cr_assert_not_null(uc);
	t0 = now_s();
	cr_expect_null(user_cache_name(uc, 401, 5));
	cr_expect_lt(now_s() - t0, 0.5);
	cr_expect_eq(user_cache_refused(uc), 1);
	user_cache_free(uc);
}

/* A file of exactly the bound is still read (the limit is not off by one). */
Test(users, passwd_at_the_bound_is_read)
{
	char root[256], path[320];
	struct user_cache *uc;
	FILE *f;
	long size;

	hostile_root("bound", root, sizeof(root));
	snprintf(path, sizeof(path), "%s/etc/passwd", root);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "carol:x:1234:1234::/home/carol:/bin/sh\n");
	size = ftell(f);
	for (; size < (long)USER_FILE_MAX_BYTES - 1; size++)
		fputc(size % 64 == 63 ? '\n' : '#', f);
	fputc('\n', f);
	cr_assert_eq(ftell(f), (long)USER_FILE_MAX_BYTES);
	fclose(f);
	fake_pid(402, root, 4026532402u);
	uc = user_cache_new(procroot);
	cr_assert_not_null(uc);
	cr_expect_str_eq(user_cache_name(uc, 402, 1234), "carol");
	cr_expect_eq(user_cache_refused(uc), 0);
	user_cache_free(uc);
}

/* A FUSE mount over etc/ (any user may mount FUSE in its own user
 * namespace; its server can leave a lookup unanswered forever): refused
 * from the kernel's mountinfo, before the path is touched. A regular file
 * system mounted over a FUSE root is read as usual. */
static void write_mountinfo(int pid, const char *lines)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d/mountinfo", procroot, pid);
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(lines, f);
	fclose(f);
}

Test(users, passwd_on_fuse_is_refused_from_mountinfo)
{
	char root[4096];
	struct user_cache *uc;

	fixture("root", root, sizeof(root));
	fake_pid(403, root, 4026532403u);
	write_mountinfo(403, "25 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
	                     "40 25 0:40 / /etc rw,nosuid - fuse.evil evil rw,user_id=1000\n");
	fake_pid(404, root, 4026532404u);
	write_mountinfo(404, "25 1 0:39 / / rw - fuse.fuse-overlayfs fuse-overlayfs rw\n"
	                     "41 25 8:1 /srv/etc /etc rw - ext4 /dev/sda1 rw\n"
	                     "42 25 0:40 / /etcetera rw - fuse.evil evil rw\n");
	fake_pid(405, root, 4026532405u);
	write_mountinfo(405, "25 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
	                     "43 25 0:40 / /etc/passwd rw - fuse.evil evil rw\n"
	                     "44 25 8:1 / /etc/passwd rw - ext4 /dev/sda1 rw\n");
	uc = user_cache_new(procroot);
	cr_assert_not_null(uc);
	cr_expect_null(user_cache_name(uc, 403, 1000));
	cr_expect_eq(user_cache_refused(uc), 1);
	cr_expect_str_eq(user_cache_name(uc, 404, 1000), "alice", "ext4 over the FUSE root");
	cr_expect_str_eq(user_cache_name(uc, 405, 1000), "alice", "mounted over the FUSE one");
	cr_expect_eq(user_cache_refused(uc), 1);
	user_cache_free(uc);
}
