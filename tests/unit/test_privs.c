/*
 * test_privs.c — the daemon's privilege hygiene: which config and rules
 * files are refused as writable by non-root users (owner, group, others,
 * directories up to /, sticky /tmp, rules.d entries, symlinks), and the
 * capability drop (CapEff/CapPrm/CapBnd in /proc/self/status, and a
 * privileged call failing afterwards). Needs root for chown and the drop;
 * without root those tests skip by name. Each test runs in its own process
 * (Criterion forks), so the drop does not leak into other tests.
 */
#include <cap-ng.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <unistd.h>

#include "daemon/privs.h"

#define PATH_LEN 4096
#define ERR_LEN 1024
#define LINE_LEN 256
/* A uid/gid that is not root (nobody/nogroup on Debian). */
#define NOT_ROOT_ID 65534

/* Room for the temporary directory name; paths below it fit PATH_LEN. */
#define TMPDIR_LEN 64

static char tmpdir[TMPDIR_LEN];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/kestrel-privs.XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir), "mkdtemp: %s", strerror(errno));
}

static void remove_tmpdir(void)
{
	char cmd[PATH_LEN + 16];
	if (!tmpdir[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	cr_expect_eq(system(cmd), 0);
	tmpdir[0] = '\0';
}

TestSuite(privs, .init = make_tmpdir, .fini = remove_tmpdir);

static void need_root(const char *test)
{
	if (geteuid() != 0)
		cr_skip_test("%s: needs root (files owned by root, chown, capabilities)", test);
}

/* Creates tmpdir/name with mode, returns its path in buf. */
static const char *make_file(char *buf, size_t n, const char *name, mode_t mode)
{
	snprintf(buf, n, "%s/%s", tmpdir, name);
	int fd = open(buf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert(fd >= 0, "create %s: %s", buf, strerror(errno));
	cr_assert_eq(write(fd, "- list: x\n  items: []\n", 22), 22);
	close(fd);
	cr_assert_eq(chmod(buf, mode), 0);
	return buf;
}

static const char *make_dir(char *buf, size_t n, const char *name, mode_t mode)
{
	snprintf(buf, n, "%s/%s", tmpdir, name);
	cr_assert_eq(mkdir(buf, 0700), 0, "mkdir %s: %s", buf, strerror(errno));
	cr_assert_eq(chmod(buf, mode), 0);
	return buf;
}

/* ---- files a non-root user could change --------------------------------- */

Test(privs, accepts_root_owned_file_in_private_directory)
{
	char p[PATH_LEN], err[ERR_LEN] = "";
	need_root("accepts_root_owned_file_in_private_directory");
	make_file(p, sizeof(p), "rules.yaml", 0644);
	cr_assert_eq(privs_check_path(p, err, sizeof(err)), 0, "refused: %s", err);
}

Test(privs, refuses_world_writable_file_naming_path_and_mode)
{
	char p[PATH_LEN], err[ERR_LEN] = "";
	need_root("refuses_world_writable_file_naming_path_and_mode");
	make_file(p, sizeof(p), "rules.yaml", 0666);
	cr_assert_eq(privs_check_path(p, err, sizeof(err)), -1);
	cr_assert_not_null(strstr(err, p), "error does not name the file: %s", err);
	cr_assert_not_null(strstr(err, "writable by others (mode 0666)"), "%s", err);
	cr_assert_not_null(strstr(err, "refusing"), "%s", err);
}

Test(privs, refuses_file_owned_by_another_user)
{
	char p[PATH_LEN], err[ERR_LEN] = "";
	need_root("refuses_file_owned_by_another_user");
	make_file(p, sizeof(p), "kestrel.yaml", 0600);
	cr_assert_eq(chown(p, NOT_ROOT_ID, 0), 0);
	cr_assert_eq(privs_check_path(p, err, sizeof(err)), -1);
	cr_assert_not_null(strstr(err, "owned by uid 65534, not root"), "%s", err);
}

Test(privs, refuses_group_writable_file_of_non_root_group)
{
	char p[PATH_LEN], err[ERR_LEN] = "";
	need_root("refuses_group_writable_file_of_non_root_group");
	make_file(p, sizeof(p), "rules.yaml", 0664);
	cr_assert_eq(chown(p, 0, NOT_ROOT_ID), 0);
	cr_assert_eq(privs_check_path(p, err, sizeof(err)), -1);
	cr_assert_not_null(strstr(err, "writable by group 65534"), "%s", err);
}

Test(privs, accepts_group_writable_file_of_root_group)
{
	char p[PATH_LEN], err[ERR_LEN] = "";
	need_root("accepts_group_writable_file_of_root_group");
	make_file(p, sizeof(p), "rules.yaml", 0664);
	cr_assert_eq(chown(p, 0, 0), 0);
	cr_assert_eq(privs_check_path(p, err, sizeof(err)), 0, "refused: %s", err);
}

Test(privs, refuses_file_in_world_writable_directory)
{
	char d[PATH_LEN], p[PATH_LEN], err[ERR_LEN] = "";
	need_root("refuses_file_in_world_writable_directory");
	make_dir(d, sizeof(d), "open", 0777);
	make_file(p, sizeof(p), "open/rules.yaml", 0644);
	cr_assert_eq(privs_check_path(p, err, sizeof(err)), -1);
	cr_assert_not_null(strstr(err, "its directory"), "%s", err);
	cr_assert_not_null(strstr(err, d), "error does not name the directory: %s", err);
}

Test(privs, accepts_root_file_in_sticky_directory)
{
	char d[PATH_LEN], p[PATH_LEN], err[ERR_LEN] = "";
	need_root("accepts_root_file_in_sticky_directory");
	/* like /tmp: others cannot rename or remove a root-owned entry */
	make_dir(d, sizeof(d), "sticky", 01777);
	make_file(p, sizeof(p), "sticky/rules.yaml", 0644);
	cr_assert_eq(privs_check_path(p, err, sizeof(err)), 0, "refused: %s", err);
}

Test(privs, refuses_world_writable_sticky_directory_given_as_rules_dir)
{
	char d[PATH_LEN], err[ERR_LEN] = "";
	need_root("refuses_world_writable_sticky_directory_given_as_rules_dir");
	/* anyone may add a new rules file to it */
	make_dir(d, sizeof(d), "rules.d", 01777);
	cr_assert_eq(privs_check_path(d, err, sizeof(err)), -1);
	cr_assert_not_null(strstr(err, "writable by others"), "%s", err);
}

Test(privs, refuses_rules_directory_holding_one_unsafe_yaml)
{
	char d[PATH_LEN], p[PATH_LEN], err[ERR_LEN] = "";
	need_root("refuses_rules_directory_holding_one_unsafe_yaml");
	make_dir(d, sizeof(d), "rules.d", 0755);
	make_file(p, sizeof(p), "rules.d/a.yaml", 0644);
	make_file(p, sizeof(p), "rules.d/notes.txt", 0666); /* not loaded: ignored */
	cr_assert_eq(privs_check_path(d, err, sizeof(err)), 0, "refused: %s", err);
	make_file(p, sizeof(p), "rules.d/b.yml", 0666);
	cr_assert_eq(privs_check_path(d, err, sizeof(err)), -1);
	cr_assert_not_null(strstr(err, "b.yml"), "error does not name the file: %s", err);
}

Test(privs, refuses_symlink_to_file_in_unsafe_directory)
{
	char d[PATH_LEN], target[PATH_LEN], link[PATH_LEN], err[ERR_LEN] = "";
	need_root("refuses_symlink_to_file_in_unsafe_directory");
	make_dir(d, sizeof(d), "open", 0777);
	make_file(target, sizeof(target), "open/real.yaml", 0644);
	snprintf(link, sizeof(link), "%s/rules.yaml", tmpdir);
	cr_assert_eq(symlink(target, link), 0);
	cr_assert_eq(privs_check_path(link, err, sizeof(err)), -1);
	cr_assert_not_null(strstr(err, link), "error does not name the given path: %s", err);
	cr_assert_not_null(strstr(err, d), "error does not name the unsafe directory: %s", err);
}

Test(privs, refuses_fifo_as_rules_file)
{
	char p[PATH_LEN], err[ERR_LEN] = "";
	need_root("refuses_fifo_as_rules_file");
	snprintf(p, sizeof(p), "%s/rules.yaml", tmpdir);
	cr_assert_eq(mkfifo(p, 0600), 0);
	cr_assert_eq(privs_check_path(p, err, sizeof(err)), -1);
	cr_assert_not_null(strstr(err, "not a regular file"), "%s", err);
}

Test(privs, leaves_missing_file_to_the_loader)
{
	char p[PATH_LEN], err[ERR_LEN] = "";
	snprintf(p, sizeof(p), "%s/absent.yaml", tmpdir);
	cr_assert_eq(privs_check_path(p, err, sizeof(err)), 0, "refused: %s", err);
}

Test(privs, check_paths_stops_at_first_refused)
{
	char a[PATH_LEN], b[PATH_LEN], err[ERR_LEN] = "";
	need_root("check_paths_stops_at_first_refused");
	make_file(a, sizeof(a), "a.yaml", 0644);
	make_file(b, sizeof(b), "b.yaml", 0646);
	const char *paths[] = {a, b};
	cr_assert_eq(privs_check_paths(paths, 1, err, sizeof(err)), 0, "refused: %s", err);
	cr_assert_eq(privs_check_paths(paths, 2, err, sizeof(err)), -1);
	cr_assert_not_null(strstr(err, b), "%s", err);
}

/* ---- capability drop ------------------------------------------------------ */

/* The hex mask of a "CapXxx:" line of /proc/self/status. */
static unsigned long long status_caps(const char *key)
{
	char line[LINE_LEN];
	unsigned long long v = ~0ull;
	size_t klen = strlen(key);
	FILE *f = fopen("/proc/self/status", "r");

	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, klen) == 0 && line[klen] == ':')
			v = strtoull(line + klen + 1, NULL, 16);
	fclose(f);
	cr_assert_neq(v, ~0ull, "no %s line in /proc/self/status", key);
	return v;
}

Test(privs, kept_mask_is_the_loop_capabilities_and_the_setns_pair)
{
	unsigned long long want = (1ull << CAP_AUDIT_CONTROL) | (1ull << CAP_AUDIT_READ) |
				  (1ull << CAP_DAC_READ_SEARCH) | (1ull << CAP_SYS_PTRACE) |
				  (1ull << CAP_SYS_ADMIN) | (1ull << CAP_SYS_CHROOT);
	cr_assert_eq(privs_kept_mask(0), want);
	cr_assert_eq(privs_kept_mask(PRIVS_KEEP_NET_ADMIN), want | (1ull << CAP_NET_ADMIN));
}

Test(privs, drop_leaves_only_kept_capabilities_in_status)
{
	char err[ERR_LEN] = "";
	need_root("drop_leaves_only_kept_capabilities_in_status");
	cr_assert(status_caps("CapEff") & (1ull << CAP_SYS_ADMIN), "test needs full root caps");
	cr_assert_eq(privs_drop(0, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(status_caps("CapEff"), privs_kept_mask(0), "CapEff %llx",
		     status_caps("CapEff"));
	cr_assert_eq(status_caps("CapPrm"), privs_kept_mask(0));
	cr_assert_eq(status_caps("CapBnd"), privs_kept_mask(0));
	cr_assert_eq(status_caps("CapAmb"), 0);
}

Test(privs, dropped_capability_makes_privileged_call_fail)
{
	char err[ERR_LEN] = "", p[PATH_LEN];
	need_root("dropped_capability_makes_privileged_call_fail");
	make_file(p, sizeof(p), "f", 0644);
	cr_assert_eq(chown(p, NOT_ROOT_ID, NOT_ROOT_ID), 0, "chown before the drop");
	cr_assert_eq(privs_drop(0, err, sizeof(err)), 0, "%s", err);
	errno = 0;
	cr_assert_eq(chown(p, 0, 0), -1, "chown still allowed after dropping CAP_CHOWN");
	cr_assert_eq(errno, EPERM);
	snprintf(p, sizeof(p), "%s/dev", tmpdir);
	cr_assert_eq(mknod(p, S_IFCHR | 0600, makedev(1, 3)), -1,
		     "mknod still allowed after dropping CAP_MKNOD");
	cr_assert_eq(errno, EPERM);
}

Test(privs, drop_can_keep_net_admin)
{
	char err[ERR_LEN] = "";
	need_root("drop_can_keep_net_admin");
	cr_assert_eq(privs_drop(PRIVS_KEEP_NET_ADMIN, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(status_caps("CapEff"), privs_kept_mask(PRIVS_KEEP_NET_ADMIN));
}

Test(privs, describe_names_kept_and_not_dropped_capabilities)
{
	char err[ERR_LEN] = "";
	need_root("describe_names_kept_and_not_dropped_capabilities");
	cr_assert_eq(privs_drop(0, err, sizeof(err)), 0, "%s", err);
	char *s = privs_describe();
	cr_assert_not_null(s);
	cr_expect_not_null(strstr(s, "audit_control"), "%s", s);
	cr_expect_not_null(strstr(s, "sys_ptrace"), "%s", s);
	cr_expect_not_null(strstr(s, "sys_admin"), "%s", s); /* setns for container rules */
	cr_expect_null(strstr(s, "net_admin"), "%s", s);
	free(s);
}

Test(privs, drop_twice_is_harmless_and_keeps_the_set)
{
	char err[ERR_LEN] = "";
	need_root("drop_twice_is_harmless_and_keeps_the_set");
	cr_assert_eq(privs_drop(0, err, sizeof(err)), 0, "%s", err);
	/* without CAP_SETPCAP the bounding set stays as it is: still success */
	cr_assert_eq(privs_drop(0, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(status_caps("CapEff"), privs_kept_mask(0));
}

Test(privs, drop_without_any_capability_says_nothing_to_drop)
{
	char err[ERR_LEN] = "";
	need_root("drop_without_any_capability_says_nothing_to_drop");
	capng_clear(CAPNG_SELECT_CAPS);
	cr_assert_eq(capng_apply(CAPNG_SELECT_CAPS), 0);
	cr_assert_eq(status_caps("CapEff"), 0);
	cr_assert_eq(privs_drop(0, err, sizeof(err)), 1, "%s", err);
	char *s = privs_describe();
	cr_assert_str_eq(s, "none");
	free(s);
}

Test(privs, drop_under_a_bounding_set_without_setpcap_still_drops)
{
	char err[ERR_LEN] = "";
	need_root("drop_under_a_bounding_set_without_setpcap_still_drops");
	/* as under the systemd unit: CapabilityBoundingSet= without CAP_SETPCAP */
	cr_assert_eq(prctl(PR_CAPBSET_DROP, CAP_SETPCAP, 0, 0, 0), 0);
	capng_get_caps_process();
	capng_update(CAPNG_DROP, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_SETPCAP);
	cr_assert_eq(capng_apply(CAPNG_SELECT_CAPS), 0);
	cr_assert_eq(privs_drop(0, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(status_caps("CapEff"), privs_kept_mask(0), "CapEff %llx",
		     status_caps("CapEff"));
	cr_assert_eq(status_caps("CapPrm"), privs_kept_mask(0));
}
