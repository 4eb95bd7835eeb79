/*
 * test_kcheck.c — kernel and environment detection: real kernel versions
 * from uname strings of Debian, Ubuntu, RHEL and cloud kernels
 * (tests/fixtures/kcheck/uname-samples.tsv), kernel config lookups, the boot
 * command line, and the OK/WARN/FAIL verdicts built from those facts. Pure:
 * nothing here asks the running kernel (tests/integration/test_kcheck.sh
 * does, through `kestrel --check`).
 */
#include "config.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <errno.h>
#include <linux/audit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel/kcheck.h"
#include "util/file.h"

#define PATH_LEN 1024
#define LINE_LEN 512

static void fixture(char *buf, size_t len, const char *name)
{
	const char *src = getenv("KESTREL_SRCDIR");

	cr_assert_not_null(src, "KESTREL_SRCDIR is not set (run through make check)");
	snprintf(buf, len, "%s/tests/fixtures/kcheck/%s", src, name);
}

/* ---- versions ------------------------------------------------------------ */

Test(kcheck, parses_version_of_every_sample_kernel)
{
	char path[PATH_LEN], line[LINE_LEN];
	int checked = 0;
	FILE *fp;

	fixture(path, sizeof(path), "uname-samples.tsv");
	fp = fopen(path, "r");
	cr_assert_not_null(fp, "cannot open %s", path);
	while (fgets(line, sizeof(line), fp)) {
		char *rel, *ver, *want, *from, *distro, *save = NULL;
		char got[LINE_LEN];
		struct kversion kv;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		line[strcspn(line, "\n")] = '\0';
		rel = strtok_r(line, "\t", &save);
		ver = strtok_r(NULL, "\t", &save);
		want = strtok_r(NULL, "\t", &save);
		from = strtok_r(NULL, "\t", &save);
		distro = strtok_r(NULL, "\t", &save);
		cr_assert_not_null(distro, "malformed sample line for %s", rel);

		cr_assert_eq(kcheck_kernel_version(rel, ver, &kv), 0, "%s / %s: no version", rel,
		             ver);
		snprintf(got, sizeof(got), "%u.%u.%u", kv.major, kv.minor, kv.patch);
		cr_expect_str_eq(got, want, "%s / %s", rel, ver);
		cr_expect_eq(kv.from_uname_v, atoi(from), "%s: from_uname_v %d", rel,
		             kv.from_uname_v);
		cr_expect_str_eq(kv.distro, strcmp(distro, "-") ? distro : "", "%s: distro", rel);
		checked++;
	}
	fclose(fp);
	cr_assert_geq(checked, 20, "only %d samples read", checked);
}

Test(kcheck, keeps_release_suffix_as_abi)
{
	struct kversion kv;

	cr_assert_eq(kcheck_kernel_version("5.15.0-91-generic",
	                                   "#101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023", &kv),
	             0);
	cr_expect_str_eq(kv.extra, "-91-generic");
	cr_assert_eq(kcheck_kernel_version("4.18.0-513.el8.x86_64", NULL, &kv), 0);
	cr_expect_str_eq(kv.extra, "-513.el8.x86_64");
	cr_expect_eq(kv.major, 4);
	cr_expect_eq(kv.minor, 18);
}

Test(kcheck, ignores_uname_v_version_of_another_series)
{
	struct kversion kv;

	/* A version token whose major.minor disagree with the release is not
	 * this kernel's (e.g. a rebuilt kernel keeping an old banner). */
	cr_assert_eq(kcheck_kernel_version("5.10.0-0.deb10.22-amd64",
	                                   "#1 SMP Debian 4.19.208-1 (2021-09-29)", &kv),
	             0);
	cr_expect_eq(kv.major, 5);
	cr_expect_eq(kv.minor, 10);
	cr_expect_eq(kv.patch, 0);
	cr_expect_eq(kv.from_uname_v, 0);
	cr_expect_str_eq(kv.distro, "");
}

Test(kcheck, rejects_strings_without_version)
{
	struct kversion kv;

	cr_expect_eq(kcheck_kernel_version("", "#1 SMP PREEMPT_DYNAMIC @0", &kv), -1);
	cr_expect_eq(kcheck_kernel_version("unknown", NULL, &kv), -1);
	cr_expect_eq(kcheck_kernel_version(NULL, NULL, &kv), -1);
	cr_expect_eq(kv.major, 0);
	/* With no release, uname -v alone is enough. */
	cr_expect_eq(kcheck_kernel_version(NULL, "#1 SMP Debian 4.19.208-1 (2021-09-29)", &kv), 0);
	cr_expect_eq(kv.patch, 208);
}

Test(kcheck, compares_versions_numerically)
{
	struct kversion kv;

	cr_assert_eq(kcheck_kernel_version("3.16.0-4-amd64",
	                                   "#1 SMP Debian 3.16.7-ckt25-2 (2016-04-08)", &kv),
	             0);
	cr_expect(kcheck_version_at_least(&kv, 3, 16, 0));
	cr_expect(kcheck_version_at_least(&kv, 3, 16, 7));
	cr_expect_not(kcheck_version_at_least(&kv, 3, 16, 8));
	cr_expect_not(kcheck_version_at_least(&kv, 3, 19, 0));
	cr_expect(kcheck_version_at_least(&kv, 2, 99, 99));
	cr_assert_eq(
	    kcheck_kernel_version("4.9.0-6-amd64", "#1 SMP Debian 4.9.88-1 (2018-04-29)", &kv), 0);
	cr_expect(kcheck_version_at_least(&kv, 3, 19, 0), "4.9 >= 3.19 (not string order)");
}

/* ---- kernel config ------------------------------------------------------- */

static enum kcheck_conf lookup_file(const char *name, const char *option)
{
	char path[PATH_LEN], err[PATH_LEN];
	enum kcheck_conf c;

	fixture(path, sizeof(path), name);
	cr_assert_eq(kcheck_config_read(path, option, &c, err, sizeof(err)), 0, "%s", err);
	return c;
}

Test(kcheck, reads_builtin_module_and_unset_options)
{
	cr_expect_eq(lookup_file("config-debian-6.1", "CONFIG_AUDIT"), KCONF_BUILTIN);
	cr_expect_eq(lookup_file("config-debian-6.1", "CONFIG_AUDITSYSCALL"), KCONF_BUILTIN);
	cr_expect_eq(lookup_file("config-debian-6.1", "CONFIG_NETFILTER_XT_TARGET_AUDIT"),
	             KCONF_MODULE);
	cr_expect_eq(lookup_file("config-debian-6.1", "CONFIG_LOCALVERSION"), KCONF_VALUE);
	cr_expect_eq(lookup_file("config-no-audit", "CONFIG_AUDIT"), KCONF_NOT_SET);
	cr_expect_eq(lookup_file("config-no-audit", "CONFIG_AUDITSYSCALL"), KCONF_ABSENT,
	             "HAVE_ARCH_AUDITSYSCALL must not count as AUDITSYSCALL");
	cr_expect_eq(lookup_file("config-no-auditsyscall", "CONFIG_AUDITSYSCALL"), KCONF_NOT_SET);
	cr_expect_eq(lookup_file("config-no-mention", "CONFIG_AUDIT"), KCONF_ABSENT);
}

Test(kcheck, reads_gzip_compressed_config)
{
	cr_expect_eq(lookup_file("proc-debian/config.gz", "CONFIG_AUDITSYSCALL"), KCONF_BUILTIN);
	cr_expect_eq(lookup_file("proc-debian/config.gz", "CONFIG_NETFILTER_XT_TARGET_AUDIT"),
	             KCONF_MODULE);
}

Test(kcheck, names_missing_config_file_in_error)
{
	char err[PATH_LEN];
	enum kcheck_conf c = KCONF_BUILTIN;

	cr_expect_eq(
	    kcheck_config_read("/nonexistent/kcheck/config", "CONFIG_AUDIT", &c, err, sizeof(err)),
	    -1);
	cr_expect_eq(c, KCONF_UNKNOWN);
	cr_expect_not_null(strstr(err, "/nonexistent/kcheck/config"), "error: %s", err);
}

static void fixture_paths(struct kcheck_paths *p, char *proc, char *boot, char *modules,
                          const char *procname)
{
	fixture(proc, PATH_LEN, procname);
	fixture(boot, PATH_LEN, "boot");
	fixture(modules, PATH_LEN, "modules");
	p->proc = proc;
	p->boot = boot;
	p->modules = modules;
	p->root = "/nonexistent";
}

Test(kcheck, looks_up_proc_config_gz_first)
{
	char proc[PATH_LEN], boot[PATH_LEN], modules[PATH_LEN], src[PATH_LEN];
	struct kcheck_paths p;
	enum kcheck_conf c;

	/* boot/config-6.1.21-v8+ says "not set", but /proc/config.gz wins. */
	fixture_paths(&p, proc, boot, modules, "proc-debian");
	cr_assert_eq(kcheck_config_lookup(&p, "6.1.21-v8+", "CONFIG_AUDIT", &c, src, sizeof(src)),
	             0);
	cr_expect_eq(c, KCONF_BUILTIN);
	cr_expect_not_null(strstr(src, "proc-debian/config.gz"), "source %s", src);
}

Test(kcheck, falls_back_to_boot_then_modules_config_by_abi_release)
{
	char proc[PATH_LEN], boot[PATH_LEN], modules[PATH_LEN], src[PATH_LEN];
	struct kcheck_paths p;
	enum kcheck_conf c;

	fixture_paths(&p, proc, boot, modules, "proc-audit-off"); /* no config.gz */
	cr_assert_eq(kcheck_config_lookup(&p, "6.1.21-v8+", "CONFIG_AUDIT", &c, src, sizeof(src)),
	             0);
	cr_expect_eq(c, KCONF_NOT_SET);
	cr_expect_not_null(strstr(src, "boot/config-6.1.21-v8+"), "source %s", src);

	cr_assert_eq(kcheck_config_lookup(&p, "5.14.0-362.8.1.el9_3.x86_64", "CONFIG_AUDITSYSCALL",
	                                  &c, src, sizeof(src)),
	             0);
	cr_expect_eq(c, KCONF_BUILTIN);
	cr_expect_not_null(strstr(src, "modules/5.14.0-362.8.1.el9_3.x86_64/config"), "source %s",
	                   src);

	cr_expect_eq(kcheck_config_lookup(&p, "9.9.9-none", "CONFIG_AUDIT", &c, src, sizeof(src)),
	             -1);
	cr_expect_eq(c, KCONF_UNKNOWN);
	cr_expect_str_eq(src, "");
}

/* ---- command line --------------------------------------------------------- */

Test(kcheck, detects_audit_switch_on_command_line)
{
	static const struct {
		const char *cmdline;
		enum kcheck_cmdline_audit audit;
		long backlog;
	} cases[] = {
	    {"BOOT_IMAGE=/vmlinuz-6.1.0-18-amd64 root=/dev/sda1 ro quiet audit=0", KCMD_AUDIT_OFF,
	     -1},
	    {"root=/dev/vda1 audit=off console=ttyS0", KCMD_AUDIT_OFF, -1},
	    {"root=/dev/vda1 audit=1 audit_backlog_limit=8192", KCMD_AUDIT_ON, 8192},
	    {"root=/dev/vda1 audit=on", KCMD_AUDIT_ON, -1},
	    {"root=/dev/vda1 audit=0 audit=1", KCMD_AUDIT_ON, -1}, /* last one wins */
	    {"root=/dev/vda1 quiet", KCMD_AUDIT_UNSET, -1},
	    {"root=/dev/vda1 noaudit=0 selinux_audit=0", KCMD_AUDIT_UNSET, -1},
	    {"root=/dev/vda1 audit=2", KCMD_AUDIT_UNSET, -1},   /* invalid: kernel ignores */
	    {"console=ttyS0 -- audit=0", KCMD_AUDIT_UNSET, -1}, /* after --: init's args */
	    {"", KCMD_AUDIT_UNSET, -1},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kcheck_cmdline c;

		kcheck_cmdline_parse(cases[i].cmdline, &c);
		cr_expect_eq(c.audit, cases[i].audit, "'%s': audit %d", cases[i].cmdline, c.audit);
		cr_expect_eq(c.backlog_limit, cases[i].backlog, "'%s': backlog %ld",
		             cases[i].cmdline, c.backlog_limit);
	}
}

/* ---- verdicts ------------------------------------------------------------- */

/* A healthy Debian 12 host with auditd running. */
static void healthy(struct kcheck_facts *f)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->release, sizeof(f->release), "6.1.0-18-amd64");
	snprintf(f->version, sizeof(f->version),
	         "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)");
	snprintf(f->machine, sizeof(f->machine), "x86_64");
	f->kv_ok = kcheck_kernel_version(f->release, f->version, &f->kv) == 0;
	f->config_audit = KCONF_BUILTIN;
	f->config_auditsyscall = KCONF_BUILTIN;
	snprintf(f->config_source, sizeof(f->config_source), "/boot/config-6.1.0-18-amd64");
	f->has_loginuid = 1;
	f->cmdline_read = 1;
	kcheck_cmdline_parse("root=/dev/sda1 ro quiet audit=1", &f->cmdline);
	f->status_ok = 1;
	f->status.enabled = 1;
	f->status.pid = 612;
	snprintf(f->pid_comm, sizeof(f->pid_comm), "auditd");
	f->status.backlog_limit = 8192;
	f->status.feature_bitmap = AUDIT_FEATURE_BITMAP_ALL;
	f->status.backlog_wait_time = 60000;
	f->execveat_nr = 322;
	f->userns_init = 1;
	f->pidns_init = 1;
	f->netns_init = 1;
}

struct verdicts {
	struct kcheck_item items[KCHECK_MAX_ITEMS];
	size_t n;
};

static const struct kcheck_item *find(const struct verdicts *v, const char *name)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->items[i].name, name) == 0)
			return &v->items[i];
	return NULL;
}

static const struct kcheck_item *verdict_of(const struct kcheck_facts *f, struct verdicts *v,
                                            const char *name)
{
	const struct kcheck_item *it;

	v->n = kcheck_evaluate(f, v->items, KCHECK_MAX_ITEMS);
	it = find(v, name);
	cr_assert_not_null(it, "no '%s' item in the report", name);
	return it;
}

/* Prints to a memory buffer and returns kcheck_print's status. */
static int print_status(const struct kcheck_facts *f, const struct verdicts *v, char *buf,
                        size_t len)
{
	FILE *mem = fmemopen(buf, len, "w");
	int rc;

	cr_assert_not_null(mem);
	rc = kcheck_print(mem, f, v->items, v->n);
	fclose(mem);
	return rc;
}

Test(kcheck, healthy_debian_host_passes_every_item)
{
	static char out[8192];
	struct kcheck_facts f;
	struct verdicts v;
	size_t i;

	healthy(&f);
	v.n = kcheck_evaluate(&f, v.items, KCHECK_MAX_ITEMS);
	cr_assert_geq(v.n, 10);
	for (i = 0; i < v.n; i++)
		cr_expect_eq(v.items[i].verdict, KCHECK_OK, "%s: %s", v.items[i].name,
		             v.items[i].detail);
	cr_expect_eq(print_status(&f, &v, out, sizeof(out)), 0);
	cr_expect_not_null(strstr(out, "Linux 6.1.76"), "%s", out);
	cr_expect_not_null(strstr(out, "6.1.0-18-amd64 is the ABI name"), "%s", out);
	cr_expect_not_null(strstr(out, "kestrel can run here"), "%s", out);
	cr_expect(kcheck_auditd_owns_pid(&f));
	cr_expect(kcheck_has_multicast(&f));
	cr_expect(kcheck_has_execveat(&f));
	cr_expect(kcheck_has_feature(&f, AUDIT_FEATURE_BITMAP_BACKLOG_WAIT_TIME));
}

Test(kcheck, kernel_without_audit_fails)
{
	static char out[8192];
	struct kcheck_facts f;
	struct verdicts v;
	char path[PATH_LEN], err[PATH_LEN];

	healthy(&f);
	fixture(path, sizeof(path), "config-no-audit");
	cr_assert_eq(kcheck_config_read(path, "CONFIG_AUDIT", &f.config_audit, err, sizeof(err)),
	             0);
	cr_assert_eq(kcheck_config_read(path, "CONFIG_AUDITSYSCALL", &f.config_auditsyscall, err,
	                                sizeof(err)),
	             0);
	f.netlink_errno = EPROTONOSUPPORT;
	f.status_ok = 0;
	f.multicast_errno = -1;
	cr_expect_eq(verdict_of(&f, &v, "CONFIG_AUDIT")->verdict, KCHECK_FAIL);
	cr_expect_eq(verdict_of(&f, &v, "CONFIG_AUDITSYSCALL")->verdict, KCHECK_FAIL);
	cr_expect_eq(verdict_of(&f, &v, "audit netlink")->verdict, KCHECK_FAIL);
	cr_expect_null(find(&v, "audit enabled"), "no status items without AUDIT_GET");
	cr_expect_eq(print_status(&f, &v, out, sizeof(out)), 1);
	cr_expect_not_null(strstr(out, "what to do: kestrel needs CONFIG_AUDIT=y"), "%s", out);
}

Test(kcheck, kernel_without_syscall_auditing_fails)
{
	struct kcheck_facts f;
	struct verdicts v;

	healthy(&f);
	f.config_auditsyscall = KCONF_NOT_SET;
	cr_expect_eq(verdict_of(&f, &v, "CONFIG_AUDIT")->verdict, KCHECK_OK);
	cr_expect_eq(verdict_of(&f, &v, "CONFIG_AUDITSYSCALL")->verdict, KCHECK_FAIL);
}

Test(kcheck, missing_config_file_falls_back_to_probes)
{
	struct kcheck_facts f;
	struct verdicts v;

	healthy(&f);
	f.config_audit = f.config_auditsyscall = KCONF_UNKNOWN;
	f.config_source[0] = '\0';
	cr_expect_eq(verdict_of(&f, &v, "CONFIG_AUDIT")->verdict, KCHECK_OK);
	cr_expect_eq(verdict_of(&f, &v, "CONFIG_AUDITSYSCALL")->verdict, KCHECK_OK);
	f.has_loginuid = 0;
	f.netlink_errno = EPERM;
	f.status_ok = 0;
	cr_expect_eq(verdict_of(&f, &v, "CONFIG_AUDIT")->verdict, KCHECK_WARN);
	cr_expect_eq(verdict_of(&f, &v, "CONFIG_AUDITSYSCALL")->verdict, KCHECK_WARN);
}

/* The boot command line of a fixture tree, parsed (what kcheck_collect
 * does with <proc>/cmdline, without touching the running kernel). */
static void fixture_cmdline(const char *procname, struct kcheck_cmdline *c)
{
	char path[PATH_LEN], rel[PATH_LEN], err[PATH_LEN];
	char *text;

	snprintf(rel, sizeof(rel), "%s/cmdline", procname);
	fixture(path, sizeof(path), rel);
	text = file_read_small(AT_FDCWD, path, KCHECK_LINE_MAX, 0, NULL, err, sizeof(err));
	cr_assert_not_null(text, "%s", err);
	kcheck_cmdline_parse(text, c);
	free(text);
}

Test(kcheck, audit_off_on_command_line_fails_with_grub_advice)
{
	struct kcheck_facts f;
	struct verdicts v;
	const struct kcheck_item *it;

	healthy(&f);
	fixture_cmdline("proc-audit-off", &f.cmdline);
	cr_expect_eq(f.cmdline.audit, KCMD_AUDIT_OFF);
	it = verdict_of(&f, &v, "boot command line");
	cr_expect_eq(it->verdict, KCHECK_FAIL);
	cr_expect_not_null(strstr(it->advice, "GRUB_CMDLINE_LINUX"), "%s", it->advice);
}

Test(kcheck, reads_config_and_cmdline_of_fixture_tree)
{
	char proc[PATH_LEN], boot[PATH_LEN], modules[PATH_LEN], src[PATH_LEN];
	struct kcheck_paths p;
	struct kcheck_cmdline cmd;
	enum kcheck_conf c;

	/* kcheck_collect itself also asks the running kernel (uname, audit
	 * netlink): tests/integration/test_kcheck.sh covers it through
	 * `kestrel --check`. Here: the file half, on the fixture tree. */
	fixture_paths(&p, proc, boot, modules, "proc-debian");
	cr_assert_eq(
	    kcheck_config_lookup(&p, "6.1.0-18-amd64", "CONFIG_AUDIT", &c, src, sizeof(src)), 0);
	cr_expect_eq(c, KCONF_BUILTIN);
	cr_expect_not_null(strstr(src, "proc-debian/config.gz"), "source %s", src);
	cr_assert_eq(kcheck_config_lookup(&p, "6.1.0-18-amd64", "CONFIG_AUDITSYSCALL", &c, NULL, 0),
	             0);
	cr_expect_eq(c, KCONF_BUILTIN);
	fixture_cmdline("proc-debian", &cmd);
	cr_expect_eq(cmd.audit, KCMD_AUDIT_ON);
	cr_expect_eq(cmd.backlog_limit, 8192);
}

Test(kcheck, user_namespace_refusal_fails_with_container_advice)
{
	struct kcheck_facts f;
	struct verdicts v;
	const struct kcheck_item *it;

	healthy(&f);
	f.status_ok = 0;
	f.netlink_errno = ECONNREFUSED;
	f.multicast_errno = EPERM;
	f.userns_init = 0;
	snprintf(f.container, sizeof(f.container), "docker");
	it = verdict_of(&f, &v, "audit netlink");
	cr_expect_eq(it->verdict, KCHECK_FAIL);
	cr_expect_not_null(strstr(it->detail, "user namespace"), "%s", it->detail);
	cr_expect_not_null(strstr(it->advice, "--userns=host"), "%s", it->advice);
	it = verdict_of(&f, &v, "namespaces");
	cr_expect_eq(it->verdict, KCHECK_FAIL);
	cr_expect_not_null(strstr(it->detail, "docker"), "%s", it->detail);
}

Test(kcheck, permission_denied_says_run_as_root)
{
	struct kcheck_facts f;
	struct verdicts v;
	const struct kcheck_item *it;

	healthy(&f);
	f.status_ok = 0;
	f.netlink_errno = EPERM;
	f.euid = 1000;
	it = verdict_of(&f, &v, "audit netlink");
	cr_expect_eq(it->verdict, KCHECK_FAIL);
	cr_expect_not_null(strstr(it->advice, "root"), "%s", it->advice);
}

Test(kcheck, immutable_audit_and_small_backlog_warn)
{
	static char out[8192];
	struct kcheck_facts f;
	struct verdicts v;

	healthy(&f);
	f.status.enabled = 2;
	f.status.backlog_limit = 64;
	f.status.lost = 17;
	cr_expect_eq(verdict_of(&f, &v, "audit enabled")->verdict, KCHECK_WARN);
	cr_expect_not_null(strstr(find(&v, "audit enabled")->detail, "immutable"));
	cr_expect_eq(verdict_of(&f, &v, "backlog")->verdict, KCHECK_WARN);
	cr_expect_eq(verdict_of(&f, &v, "lost records")->verdict, KCHECK_WARN);
	cr_expect_not_null(strstr(find(&v, "lost records")->detail, "17"));
	/* Warnings alone do not stop kestrel. */
	cr_expect_eq(print_status(&f, &v, out, sizeof(out)), 0);
	cr_expect_not_null(strstr(out, "3 warnings"), "%s", out);
}

Test(kcheck, audit_pid_owner_is_named)
{
	struct kcheck_facts f;
	struct verdicts v;

	healthy(&f);
	cr_expect_not_null(strstr(verdict_of(&f, &v, "audit daemon")->detail, "auditd (pid 612)"));
	snprintf(f.pid_comm, sizeof(f.pid_comm), "go-audit");
	cr_expect_eq(verdict_of(&f, &v, "audit daemon")->verdict, KCHECK_WARN);
	cr_expect_not_null(strstr(find(&v, "audit daemon")->detail, "go-audit"));
	cr_expect_not(kcheck_auditd_owns_pid(&f));
	f.status.pid = 0;
	cr_expect_eq(verdict_of(&f, &v, "audit daemon")->verdict, KCHECK_OK);
	cr_expect_not(kcheck_auditd_owns_pid(&f));
}

Test(kcheck, old_kernel_lacks_multicast_and_execveat)
{
	struct kcheck_facts f;
	struct verdicts v;
	const struct kcheck_item *it;

	healthy(&f);
	snprintf(f.release, sizeof(f.release), "3.10.0-1160.el7.x86_64");
	snprintf(f.version, sizeof(f.version), "#1 SMP Mon Oct 19 16:18:59 UTC 2020");
	f.kv_ok = kcheck_kernel_version(f.release, f.version, &f.kv) == 0;
	f.multicast_errno = EINVAL;
	f.status.feature_bitmap = AUDIT_FEATURE_BITMAP_BACKLOG_LIMIT;
	it = verdict_of(&f, &v, "multicast");
	cr_expect_eq(it->verdict, KCHECK_WARN);
	cr_expect_not_null(strstr(it->detail, "3.16"), "%s", it->detail);
	cr_expect_not_null(strstr(it->advice, "--audisp"), "%s", it->advice);
	cr_expect_not(kcheck_has_multicast(&f));
	cr_expect_not(kcheck_has_execveat(&f), "3.10 has no execveat even if libaudit knows it");
	cr_expect_eq(verdict_of(&f, &v, "execveat")->verdict, KCHECK_OK);
	it = verdict_of(&f, &v, "audit features");
	cr_expect_eq(it->verdict, KCHECK_WARN);
	cr_expect_not_null(strstr(it->detail, "missing: backlog_wait_time"), "%s", it->detail);
	cr_expect_not(kcheck_has_feature(&f, AUDIT_FEATURE_BITMAP_BACKLOG_WAIT_TIME));
}

Test(kcheck, multicast_outside_host_network_namespace_warns)
{
	struct kcheck_facts f;
	struct verdicts v;

	healthy(&f);
	f.netns_init = 0;
	cr_expect_eq(verdict_of(&f, &v, "multicast")->verdict, KCHECK_WARN);
	cr_expect_not(kcheck_has_multicast(&f));
}

Test(kcheck, exit_status_follows_the_failed_items)
{
	static char out[8192];
	struct kcheck_facts f;
	struct verdicts v;

	/* kcheck_report (kestrel --check) returns kcheck_print's status: 0
	 * with warnings only, 1 as soon as one item fails. The report on the
	 * running machine is tests/integration/test_kcheck.sh. */
	healthy(&f);
	f.status.backlog_limit = 64;
	cr_assert_eq(verdict_of(&f, &v, "backlog")->verdict, KCHECK_WARN);
	cr_expect_eq(print_status(&f, &v, out, sizeof(out)), 0, "%s", out);
	cr_expect_not_null(strstr(out, "result: kestrel can run here (1 warning)"), "%s", out);
	f.config_auditsyscall = KCONF_NOT_SET;
	cr_assert_eq(verdict_of(&f, &v, "CONFIG_AUDITSYSCALL")->verdict, KCHECK_FAIL);
	cr_expect_eq(print_status(&f, &v, out, sizeof(out)), 1, "%s", out);
	cr_expect_not_null(strstr(out, "result: kestrel cannot run here (1 failed, 1 warning)"),
	                   "%s", out);
}

Test(kcheck, disabled_audit_warns_only_when_another_daemon_owns_it)
{
	struct kcheck_facts f;
	struct verdicts v;

	healthy(&f);
	f.status.enabled = 0;
	cr_expect_eq(verdict_of(&f, &v, "audit enabled")->verdict, KCHECK_WARN,
	             "auditd registered with audit off: no records");
	f.status.pid = 0;
	f.pid_comm[0] = '\0';
	cr_expect_eq(verdict_of(&f, &v, "audit enabled")->verdict, KCHECK_OK,
	             "kestrel turns audit on when it registers");
}
