/*
 * test_default_rules.c — kestrel's default ruleset (rules/kestrel_rules.yaml)
 * against audit logs recorded on a real kernel (tests/fixtures/rules-replay,
 * made by tools/record-rule-fixture): each rule fires on the log of its
 * behaviour and nothing fires on its near miss. Container rules replay the
 * same kind of log with every process placed in a container. Also: the
 * default and local files validate cleanly, the local file's commented
 * examples work, the upstream Falco rules still load alongside, and
 * audit-rules/kestrel.rules equals `kestrel --print-audit-rules`.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "daemon/pipeline.h"
#include "source/replay.h"
#include "engine/engine.h"
#include "proc/container.h"
#include "proc/proc.h"
#include "testutil.h"

#define DEFAULT_RULES "rules/kestrel_rules.yaml"
#define LOCAL_RULES "rules/kestrel_rules.local.yaml"
#define AUDIT_RULES "audit-rules/kestrel.rules"
#define FIXTURE_DIR "tests/fixtures/rules-replay"
#define UPSTREAM_REL "fixtures/falco/falco_rules.yaml"

#define MAX_HITS 32
#define RULE_NAME_MAX 128
#define OUTPUT_MAX 2048
#define PATH_MAX_LEN 1024
#define TEXT_MAX (64 * 1024)

/* The container the container tests put every replayed process in. */
#define TEST_CONTAINER_ID "4f2a9c0d1e7b"
static char ct_full_id[] = "4f2a9c0d1e7b5a6c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c";
static char ct_name[] = "kestrel-test";
static char ct_image[] = "debian:12";
static char ct_repo[] = "debian";
static char ct_tag[] = "12";
static const struct container_info test_container = {
	.type = CT_DOCKER,
	.id = TEST_CONTAINER_ID,
	.full_id = ct_full_id,
	.name = ct_name,
	.image = ct_image,
	.image_repository = ct_repo,
	.image_tag = ct_tag,
	.privileged = 0,
};

enum placement { ON_HOST, IN_CONTAINER };

struct hits {
	int n;
	char rule[MAX_HITS][RULE_NAME_MAX];
	char output[MAX_HITS][OUTPUT_MAX];
};

struct replay {
	struct engine *engine;
	struct proc_table *procs;
	enum placement where;
	struct hits hits;
};

/* The loaded rule called name: a missing rule fails the test instead of
 * reading rule -1. */
static void rule_info_by_name(struct engine *e, const char *name, struct engine_rule_info *ri)
{
	long i = engine_rule_find(e, name);

	cr_assert_geq(i, 0, "rule '%s' not loaded", name);
	cr_assert_eq(engine_rule_info(e, (size_t)i, ri), 0, "rule '%s'", name);
}

/* Process context: the replayed process table; the container is the test
 * container for IN_CONTAINER replays. */
static const struct proc *rp_self(void *ctx, const struct kevent *ev)
{
	struct replay *r = ctx;

	if (ev->proc)
		return ev->proc;
	return ev->pid > 0 ? proc_table_get(r->procs, ev->pid) : NULL;
}

static const struct proc *rp_get(void *ctx, int64_t pid)
{
	return proc_table_get(((struct replay *)ctx)->procs, pid);
}

static const struct proc *rp_parent(void *ctx, const struct proc *p)
{
	return proc_table_parent(((struct replay *)ctx)->procs, p);
}

static const struct container_info *rp_container(void *ctx, const struct proc *p)
{
	struct replay *r = ctx;

	if (r->where == IN_CONTAINER)
		return &test_container;
	return proc_table_container(r->procs, p);
}

static const struct engine_procsrc replay_src = {
	.self = rp_self, .get = rp_get, .parent = rp_parent, .container = rp_container,
};

static void on_alert(const struct alert *a, void *arg)
{
	struct hits *h = &((struct replay *)arg)->hits;

	if (h->n >= MAX_HITS)
		return;
	snprintf(h->rule[h->n], RULE_NAME_MAX, "%s", a->rule);
	snprintf(h->output[h->n], OUTPUT_MAX, "%s", a->output);
	h->n++;
}

static void on_event(struct kevent *ev, void *arg)
{
	struct replay *r = arg;

	proc_table_update(r->procs, ev);
	if (ev->has_syscall)
		engine_eval_with(r->engine, ev, &replay_src, r, on_alert, r);
}

/* Loads the files (relative to the source tree) with every matching rule
 * firing; returns the compiled engine and leaves the diagnostics in d. */
static struct engine *load_rules(const char *const *rel, size_t n, struct engine_diag *d)
{
	char paths[4][PATH_MAX_LEN];
	const char *p[4];
	struct engine *e = engine_new();

	cr_assert_leq(n, 4);
	for (size_t i = 0; i < n; i++)
		p[i] = rel[i][0] == '/' ? rel[i] : tu_srcpath(paths[i], sizeof(paths[i]), rel[i]);
	engine_set_matching(e, ENGINE_MATCH_ALL);
	if (engine_load(e, p, n, d) < 0) {
		engine_diag_print(d, stderr);
		engine_free(e);
		return NULL;
	}
	return e;
}

/* Replays FIXTURE_DIR/name.log through the default rules. */
static void replay_fixture(const char *name, enum placement where, struct hits *out)
{
	static const char *const rules[] = { DEFAULT_RULES };
	char rel[PATH_MAX_LEN], path[PATH_MAX_LEN];
	struct engine_diag *d = engine_diag_new();
	struct replay r = { 0 };
	struct pipeline p;

	r.engine = load_rules(rules, 1, d);
	cr_assert_not_null(r.engine, "the default rules do not load");
	r.procs = proc_table_new(PROC_TABLE_REPLAY);
	r.where = where;
	cr_assert_eq(pipeline_init(&p, ASM_REPLAY, on_event, &r), 0);
	snprintf(rel, sizeof(rel), "%s/%s.log", FIXTURE_DIR, name);
	cr_assert_eq(replay_file(tu_srcpath(path, sizeof(path), rel), &p), 0, "cannot replay %s", path);
	cr_assert_gt(p.stats.events, 0, "%s has no events", path);
	pipeline_fini(&p);
	proc_table_free(r.procs);
	engine_free(r.engine);
	engine_diag_free(d);
	*out = r.hits;
}

/* The fixture fires `rule` at least once and no other rule. */
static void expect_only(const char *fixture, enum placement where, const char *rule,
			struct hits *h)
{
	replay_fixture(fixture, where, h);
	cr_assert_gt(h->n, 0, "%s: '%s' did not fire", fixture, rule);
	for (int i = 0; i < h->n; i++)
		cr_assert_str_eq(h->rule[i], rule, "%s: unexpected rule fired: %s", fixture,
				 h->output[i]);
}

static void expect_none(const char *fixture, enum placement where)
{
	struct hits h;

	replay_fixture(fixture, where, &h);
	cr_assert_eq(h.n, 0, "%s: '%s' fired: %s", fixture, h.n ? h.rule[0] : "",
		     h.n ? h.output[0] : "");
}

static int contains(const char *s, const char *needle)
{
	return strstr(s, needle) != NULL;
}

/* ---- Credentials and sensitive files ---- */

Test(default_rules, cat_of_etc_shadow_fires_read_sensitive_file_untrusted)
{
	struct hits h;

	expect_only("read-sensitive-file-fire", ON_HOST, "Read sensitive file untrusted", &h);
	cr_assert_eq(h.n, 1);
	cr_assert(contains(h.output[0], "fd.name=/etc/shadow"), "%s", h.output[0]);
	cr_assert(contains(h.output[0], "proc.name=cat"), "%s", h.output[0]);
	cr_assert(contains(h.output[0], "user.name=root"), "%s", h.output[0]);
	cr_assert(contains(h.output[0], "user.loginuid=0"), "%s", h.output[0]);
}

Test(default_rules, failed_or_harmless_reads_do_not_fire_read_sensitive_file)
{
	/* cat /etc/hostname, and cat /etc/shadow as nobody (EACCES) */
	expect_none("read-sensitive-file-near", ON_HOST);
}

Test(default_rules, symlink_to_etc_shadow_fires_create_symlink_over_sensitive_files)
{
	struct hits h;

	expect_only("symlink-sensitive-fire", ON_HOST, "Create Symlink Over Sensitive Files", &h);
	cr_assert(contains(h.output[0], "evt.arg.target=/etc/shadow"), "%s", h.output[0]);
	cr_assert(contains(h.output[0], "evt.arg.linkpath=/tmp/kestrel-fixture/shadow-link"), "%s",
		  h.output[0]);
}

Test(default_rules, symlink_to_other_etc_file_does_not_fire)
{
	expect_none("symlink-sensitive-near", ON_HOST);
}

Test(default_rules, hardlink_to_etc_shadow_fires_create_hardlink_over_sensitive_files)
{
	struct hits h;

	expect_only("hardlink-sensitive-fire", ON_HOST, "Create Hardlink Over Sensitive Files", &h);
	cr_assert(contains(h.output[0], "evt.arg.oldpath=/etc/shadow"), "%s", h.output[0]);
}

Test(default_rules, hardlink_to_other_etc_file_does_not_fire)
{
	expect_none("hardlink-sensitive-near", ON_HOST);
}

Test(default_rules, find_name_id_rsa_fires_search_private_keys_or_passwords)
{
	struct hits h;

	expect_only("search-keys-fire", ON_HOST, "Search Private Keys or Passwords", &h);
	cr_assert(contains(h.output[0], "proc.cmdline=find /tmp/kestrel-fixture -name id_rsa"),
		  "%s", h.output[0]);
}

Test(default_rules, find_of_text_files_and_grep_of_passwd_do_not_fire)
{
	expect_none("search-keys-near", ON_HOST);
}

Test(default_rules, grep_for_aws_secret_key_fires_find_aws_credentials)
{
	struct hits h;

	expect_only("aws-credentials-fire", ON_HOST, "Find AWS Credentials", &h);
	cr_assert(contains(h.output[0], "aws_secret_access_key"), "%s", h.output[0]);
}

Test(default_rules, grep_for_other_words_does_not_fire)
{
	expect_none("aws-credentials-near", ON_HOST);
}

/* ---- Writes to system locations ---- */

Test(default_rules, appending_a_key_to_authorized_keys_fires_adding_ssh_keys)
{
	struct hits h;

	expect_only("ssh-keys-fire", ON_HOST, "Adding ssh keys to authorized_keys", &h);
	cr_assert(contains(h.output[0], "fd.name=/home/kestrel-fixture/.ssh/authorized_keys"), "%s",
		  h.output[0]);
}

Test(default_rules, writing_known_hosts_does_not_fire)
{
	expect_none("ssh-keys-near", ON_HOST);
}

Test(default_rules, appending_to_bashrc_fires_modify_shell_configuration_file)
{
	struct hits h;

	expect_only("shell-config-fire", ON_HOST, "Modify Shell Configuration File", &h);
	cr_assert(contains(h.output[0], "fd.name=/home/kestrel-fixture/.bashrc"), "%s",
		  h.output[0]);
}

Test(default_rules, reading_profile_or_writing_a_lookalike_does_not_fire)
{
	expect_none("shell-config-near", ON_HOST);
}

Test(default_rules, shell_redirect_into_etc_fires_write_below_etc)
{
	struct hits h;

	expect_only("write-etc-fire", ON_HOST, "Write below etc", &h);
	cr_assert(contains(h.output[0], "fd.name=/etc/kestrel-fixture.conf"), "%s", h.output[0]);
}

Test(default_rules, reading_etc_and_writing_elsewhere_does_not_fire)
{
	expect_none("write-etc-near", ON_HOST);
}

Test(default_rules, copy_into_usr_local_bin_fires_write_below_binary_dir)
{
	struct hits h;

	expect_only("write-bin-fire", ON_HOST, "Write below binary dir", &h);
	cr_assert(contains(h.output[0], "fd.name=/usr/local/bin/kestrel-fixture-true"), "%s",
		  h.output[0]);
	cr_assert(contains(h.output[0], "proc.name=cp"), "%s", h.output[0]);
}

Test(default_rules, copy_of_a_binary_elsewhere_does_not_fire)
{
	expect_none("write-bin-near", ON_HOST);
}

Test(default_rules, new_file_in_root_home_fires_write_below_root)
{
	struct hits h;

	expect_only("write-root-fire", ON_HOST, "Write below root", &h);
	cr_assert(contains(h.output[0], "fd.name=/root/kestrel-fixture.txt"), "%s", h.output[0]);
}

Test(default_rules, write_in_root_cache_directory_does_not_fire)
{
	expect_none("write-root-near", ON_HOST);
}

Test(default_rules, chmod_u_plus_s_fires_set_setuid_or_setgid_bit)
{
	struct hits h;

	expect_only("setuid-fire", ON_HOST, "Set Setuid or Setgid bit", &h);
	cr_assert(contains(h.output[0], "evt.arg.path=/tmp/kestrel-fixture/suid-true"), "%s",
		  h.output[0]);
	cr_assert(contains(h.output[0], "proc.cmdline=chmod u+s"), "%s", h.output[0]);
}

Test(default_rules, chmod_755_does_not_fire)
{
	expect_none("setuid-near", ON_HOST);
}

/* ---- Covering tracks ---- */

Test(default_rules, truncating_a_log_in_var_log_fires_clear_log_activities)
{
	struct hits h;

	expect_only("clear-log-fire", ON_HOST, "Clear Log Activities", &h);
	cr_assert_eq(h.n, 1, "only the truncation, not the append, fires");
	cr_assert(contains(h.output[0], "O_TRUNC"), "%s", h.output[0]);
}

Test(default_rules, appending_to_a_log_does_not_fire)
{
	expect_none("clear-log-near", ON_HOST);
}

Test(default_rules, rm_of_bash_history_fires_delete_or_rename_shell_history)
{
	struct hits h;

	expect_only("shell-history-fire", ON_HOST, "Delete or rename shell history", &h);
	cr_assert(contains(h.output[0], "/tmp/kestrel-fixture/.bash_history"), "%s", h.output[0]);
	/* then ": >~/.bash_history" in a home directory: the truncation branch */
	cr_assert_eq(h.n, 2);
	cr_assert(contains(h.output[1], "evt.arg.path=/home/kestrel-fixture/.bash_history"), "%s",
		  h.output[1]);
	cr_assert(contains(h.output[1], "evt.type=openat"), "%s", h.output[1]);
}

Test(default_rules, rm_of_another_file_does_not_fire)
{
	expect_none("shell-history-near", ON_HOST);
}

Test(default_rules, shred_fires_remove_bulk_data_from_disk)
{
	struct hits h;

	expect_only("bulk-remove-fire", ON_HOST, "Remove Bulk Data from Disk", &h);
	cr_assert(contains(h.output[0], "proc.cmdline=shred -u"), "%s", h.output[0]);
}

Test(default_rules, plain_rm_does_not_fire)
{
	expect_none("bulk-remove-near", ON_HOST);
}

/* ---- Execution ---- */

Test(default_rules, program_run_from_dev_shm_fires_execution_from_dev_shm)
{
	struct hits h;

	expect_only("dev-shm-fire", ON_HOST, "Execution from /dev/shm", &h);
	cr_assert_eq(h.n, 1);
	cr_assert(contains(h.output[0], "proc.exepath=/dev/shm/kestrel-fixture-true"), "%s",
		  h.output[0]);
}

Test(default_rules, program_run_from_tmp_does_not_fire)
{
	expect_none("dev-shm-near", ON_HOST);
}

Test(default_rules, exec_of_a_memfd_fires_fileless_execution_via_memfd_create)
{
	struct hits h;

	expect_only("memfd-exec-fire", ON_HOST, "Fileless execution via memfd_create", &h);
	cr_assert_eq(h.n, 1);
	cr_assert(contains(h.output[0], "proc.exepath=/memfd:kestrel-fixture"), "%s",
		  h.output[0]);
}

Test(default_rules, exec_of_the_same_program_from_a_file_does_not_fire)
{
	expect_none("memfd-exec-near", ON_HOST);
}

Test(default_rules, shell_started_by_nginx_fires_run_shell_untrusted)
{
	struct hits h;

	expect_only("shell-untrusted-fire", ON_HOST, "Run shell untrusted", &h);
	cr_assert_eq(h.n, 1);
	cr_assert(contains(h.output[0], "proc.pname=nginx"), "%s", h.output[0]);
}

Test(default_rules, nginx_running_ls_or_runtime_running_shell_does_not_fire)
{
	expect_none("shell-untrusted-near", ON_HOST);
}

Test(default_rules, root_shell_with_terminal_in_user_session_fires_privileged_shell)
{
	struct hits h;

	expect_only("privileged-shell-fire", ON_HOST, "Privileged shell spawned by non-root login",
		    &h);
	cr_assert(contains(h.output[0], "user.loginuid=1000"), "%s", h.output[0]);
	cr_assert(contains(h.output[0], "user.uid=0"), "%s", h.output[0]);
	cr_assert(!contains(h.output[0], "proc.tty=0 "), "%s", h.output[0]);
}

Test(default_rules, root_shell_in_root_login_session_does_not_fire)
{
	expect_none("privileged-shell-near", ON_HOST);
}

/* netcat-newline-fire.log is netcat-fire.log with one more argument that
 * is a single newline: the regexes match across it ((?s)), so an attacker
 * cannot hide "-e" from the rule by adding a line break to argv. */
Test(default_rules, newline_in_argv_does_not_evade_netcat_rule)
{
	struct hits h;
	expect_only("netcat-newline-fire", ON_HOST, "Netcat/Socat Remote Code Execution on Host", &h);
}

Test(default_rules, ncat_dash_e_on_host_fires_netcat_remote_code_execution_on_host)
{
	struct hits h;

	expect_only("netcat-fire", ON_HOST, "Netcat/Socat Remote Code Execution on Host", &h);
	cr_assert(contains(h.output[0], "proc.cmdline=ncat -e /bin/true"), "%s", h.output[0]);
}

Test(default_rules, ncat_without_exec_option_does_not_fire)
{
	expect_none("netcat-near", ON_HOST);
}

Test(default_rules, sh_c_curl_piped_to_sh_fires_download_piped_to_shell)
{
	struct hits h;

	expect_only("download-pipe-fire", ON_HOST, "Download piped to shell", &h);
	cr_assert_eq(h.n, 1);
	cr_assert(contains(h.output[0], "| sh"), "%s", h.output[0]);
}

Test(default_rules, curl_piped_to_grep_does_not_fire)
{
	expect_none("download-pipe-near", ON_HOST);
}

/* ---- Kernel and other processes ---- */

Test(default_rules, finit_module_by_root_fires_kernel_module_injection)
{
	struct hits h;

	/* this kernel has no module support: the attempt fails with ENOSYS */
	expect_only("kmod-fire", ON_HOST, "Linux Kernel Module Injection Detected", &h);
	cr_assert(contains(h.output[0], "evt.type=finit_module"), "%s", h.output[0]);
}

Test(default_rules, finit_module_by_the_device_manager_does_not_fire)
{
	expect_none("kmod-near", ON_HOST);
}

Test(default_rules, ptrace_attach_to_child_fires_ptrace_attached_to_process)
{
	struct hits h;

	expect_only("ptrace-attach-fire", ON_HOST, "PTRACE attached to process", &h);
	cr_assert(contains(h.output[0], "evt.arg.request=PTRACE_ATTACH"), "%s", h.output[0]);
}

Test(default_rules, failed_ptrace_attach_does_not_fire)
{
	expect_none("ptrace-attach-near", ON_HOST);
}

Test(default_rules, ptrace_traceme_fires_ptrace_anti_debug_attempt)
{
	struct hits h;

	expect_only("ptrace-traceme-fire", ON_HOST, "PTRACE anti-debug attempt", &h);
	cr_assert_eq(h.n, 1);
}

Test(default_rules, ptrace_traceme_under_a_debugger_does_not_fire)
{
	expect_none("ptrace-traceme-near", ON_HOST);
}

Test(default_rules, process_vm_readv_and_proc_mem_read_fire_read_memory_of_another_process)
{
	struct hits h;
	int vm = 0, mem = 0;

	expect_only("proc-memory-fire", ON_HOST, "Read memory of another process", &h);
	for (int i = 0; i < h.n; i++) {
		vm += contains(h.output[i], "evt.type=process_vm_readv");
		mem += contains(h.output[i], "/mem evt.args=");
	}
	cr_assert_eq(vm, 1);
	cr_assert_eq(mem, 1);
}

Test(default_rules, reading_own_memory_does_not_fire)
{
	/* /proc/self/mem, and process_vm_readv of a missing pid (ESRCH) */
	expect_none("proc-memory-near", ON_HOST);
}

/* ---- Containers: the same kind of log, every process in a container ---- */

Test(default_rules, shell_with_terminal_below_runtime_fires_terminal_shell_in_container)
{
	struct hits h;

	expect_only("terminal-shell-fire", IN_CONTAINER, "Terminal shell in container", &h);
	cr_assert_eq(h.n, 1);
	cr_assert(contains(h.output[0],
			   "A shell was spawned in a container with an attached terminal ("),
		  "%s", h.output[0]);
	cr_assert(contains(h.output[0], "proc.name=sh"), "%s", h.output[0]);
	cr_assert(contains(h.output[0], "proc.pname=runc"), "%s", h.output[0]);
	cr_assert(contains(h.output[0], "user.name=root"), "%s", h.output[0]);
	cr_assert(!contains(h.output[0], "proc.tty=0 "), "%s", h.output[0]);
	cr_assert(contains(h.output[0], "container_id=" TEST_CONTAINER_ID), "%s", h.output[0]);
}

Test(default_rules, shell_without_terminal_in_container_does_not_fire)
{
	expect_none("terminal-shell-near", IN_CONTAINER);
}

Test(default_rules, shell_with_terminal_on_host_does_not_fire)
{
	expect_none("terminal-shell-fire", ON_HOST);
}

Test(default_rules, ncat_dash_e_in_container_fires_netcat_rce_in_container)
{
	struct hits h;

	expect_only("netcat-fire", IN_CONTAINER, "Netcat Remote Code Execution in Container", &h);
	cr_assert(contains(h.output[0], "container_id=" TEST_CONTAINER_ID), "%s", h.output[0]);
}

Test(default_rules, ncat_without_exec_option_in_container_does_not_fire)
{
	expect_none("netcat-near", IN_CONTAINER);
}

Test(default_rules, apt_get_and_dpkg_in_container_fire_launch_package_management)
{
	struct hits h;

	expect_only("package-mgmt-fire", IN_CONTAINER,
		    "Launch Package Management Process in Container", &h);
	cr_assert_eq(h.n, 2, "apt-get and dpkg");
}

Test(default_rules, package_managers_on_host_or_ls_in_container_do_not_fire)
{
	expect_none("package-mgmt-fire", ON_HOST);
	expect_none("package-mgmt-near", IN_CONTAINER);
}

Test(default_rules, release_agent_write_in_container_fires_release_agent_escape)
{
	struct hits h;

	expect_only("release-agent-fire", IN_CONTAINER,
		    "Detect release_agent File Container Escapes", &h);
	cr_assert_eq(h.n, 1);
	cr_assert(contains(h.output[0], "fd.name=/sys/fs/cgroup/kestrel-fixture/release_agent"),
		  "%s", h.output[0]);
}

Test(default_rules, release_agent_on_host_or_other_cgroup_file_does_not_fire)
{
	expect_none("release-agent-fire", ON_HOST);
	expect_none("release-agent-near", IN_CONTAINER);
}

Test(default_rules, tmpfs_mount_in_container_fires_mount_in_container)
{
	struct hits h;
	int tmpfs = 0;

	expect_only("mount-fire", IN_CONTAINER, "Mount in container", &h);
	for (int i = 0; i < h.n; i++)
		tmpfs += contains(h.output[i], "evt.arg.path=/tmp/kestrel-fixture/mnt");
	cr_assert_eq(tmpfs, 1);
}

Test(default_rules, mount_on_host_or_failed_mount_in_container_does_not_fire)
{
	expect_none("mount-fire", ON_HOST);
	expect_none("mount-near", IN_CONTAINER);
}

Test(default_rules, connect_to_port_4444_from_container_fires_outbound_unexpected_port)
{
	struct hits h;

	expect_only("outbound-fire", IN_CONTAINER,
		    "Outbound connection to unexpected port from container", &h);
	cr_assert_eq(h.n, 1);
	cr_assert(contains(h.output[0], "fd.sport=4444"), "%s", h.output[0]);
}

Test(default_rules, connect_to_allowed_port_or_from_host_does_not_fire)
{
	expect_none("outbound-near", IN_CONTAINER);
	expect_none("outbound-fire", ON_HOST);
}

/* ---- The files themselves ---- */

static size_t count_level(const struct engine_diag *d, enum engine_diag_level level)
{
	size_t n = 0;

	for (size_t i = 0; i < engine_diag_count(d); i++)
		n += engine_diag_get(d, i)->level == level;
	return n;
}

Test(default_rules, default_and_local_files_load_without_errors_or_warnings)
{
	static const char *const files[] = { DEFAULT_RULES, LOCAL_RULES };
	struct engine_diag *d = engine_diag_new();
	struct engine *e = load_rules(files, 2, d);

	cr_assert_not_null(e);
	if (engine_diag_count(d))
		engine_diag_print(d, stderr);
	cr_assert_eq(count_level(d, ENGINE_DIAG_ERROR), 0);
	cr_assert_eq(count_level(d, ENGINE_DIAG_WARNING), 0);
	engine_free(e);
	engine_diag_free(d);
}

Test(default_rules, every_default_rule_is_active_and_tagged_with_mitre)
{
	static const char *const files[] = { DEFAULT_RULES };
	struct engine_diag *d = engine_diag_new();
	struct engine *e = load_rules(files, 1, d);
	size_t n;

	cr_assert_not_null(e);
	n = engine_rule_count(e);
	cr_assert_geq(n, 20);
	cr_assert_eq(engine_active_count(e), n);
	for (size_t i = 0; i < n; i++) {
		struct engine_rule_info ri;
		int mitre = 0;
		cr_assert_eq(engine_rule_info(e, i, &ri), 0);
		cr_assert(ri.active, "rule '%s' skipped: %s", ri.name,
			  ri.skip_reason ? ri.skip_reason : "?");
		cr_assert(ri.desc && ri.desc[0], "rule '%s' has no desc", ri.name);
		cr_assert(contains(ri.output, "%proc.cmdline"), "rule '%s'", ri.name);
		cr_assert(contains(ri.output, "%user.loginuid"), "rule '%s'", ri.name);
		cr_assert(!contains(ri.output, "%container.info"), "rule '%s'", ri.name);
		for (int t = 0; t < ri.ntags; t++)
			mitre |= strncmp(ri.tags[t], "mitre_", strlen("mitre_")) == 0;
		cr_assert(mitre, "rule '%s' has no MITRE tag", ri.name);
	}
	engine_free(e);
	engine_diag_free(d);
}

Test(default_rules, no_rule_matches_every_syscall)
{
	static const char *const files[] = { DEFAULT_RULES };
	struct engine_diag *d = engine_diag_new();
	struct engine *e = load_rules(files, 1, d);
	const char *names[128];
	int all = 0;
	size_t n;

	cr_assert_not_null(e);
	n = engine_syscalls(e, names, 128, &all);
	cr_assert_eq(all, 0);
	cr_assert_leq(n, 32, "the ruleset asks for %zu syscalls", n);
	engine_free(e);
	engine_diag_free(d);
}

/* Turns the commented examples of the local file into YAML: lines "#-" and
 * "#  " lose their '#', other comment lines are dropped. */
static char *local_examples(void)
{
	char path[PATH_MAX_LEN], line[OUTPUT_MAX];
	char *out = calloc(1, TEXT_MAX);
	size_t len = 0;
	FILE *f = fopen(tu_srcpath(path, sizeof(path), LOCAL_RULES), "r");

	cr_assert_not_null(f, "cannot open %s", path);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "#-", 2) == 0 || strncmp(line, "#  ", 3) == 0) {
			cr_assert_lt(len + strlen(line), TEXT_MAX);
			strcpy(out + len, line + 1);
			len += strlen(line + 1);
		} else {
			cr_assert(line[0] == '#' || line[0] == '\n',
				  "the local file must ship without rules: %s", line);
		}
	}
	fclose(f);
	return out;
}

Test(default_rules, local_file_examples_work_when_uncommented)
{
	char path[PATH_MAX_LEN];
	char *yaml = local_examples();
	struct engine_diag *d = engine_diag_new();
	struct engine *e = engine_new();
	struct engine_rule_info ri;

	cr_assert_eq(engine_add_path(e, tu_srcpath(path, sizeof(path), DEFAULT_RULES), d), 0);
	cr_assert_eq(engine_add_buffer(e, "examples.yaml", yaml, strlen(yaml), d), 0);
	if (engine_compile(e, d) < 0 || engine_diag_count(d))
		engine_diag_print(d, stderr);
	cr_assert_eq(count_level(d, ENGINE_DIAG_ERROR), 0);
	cr_assert_eq(count_level(d, ENGINE_DIAG_WARNING), 0);

	rule_info_by_name(e, "Terminal shell in container", &ri);
	cr_assert_eq(ri.priority, PRI_WARNING);
	cr_assert(ri.active);

	rule_info_by_name(e, "Write below root", &ri);
	cr_assert_eq(ri.priority, PRI_WARNING);

	rule_info_by_name(e, "Read sensitive file untrusted", &ri);
	cr_assert(contains(ri.condition, "my-backup-agent"), "%s", ri.condition);

	rule_info_by_name(e, "PTRACE anti-debug attempt", &ri);
	cr_assert_eq(ri.enabled, 0);
	cr_assert_eq(ri.active, 0);

	engine_free(e);
	engine_diag_free(d);
	free(yaml);
}

Test(default_rules, upstream_falco_rules_load_alongside_the_defaults)
{
	char upstream[PATH_MAX_LEN];
	struct stat st;
	const char *files[2] = { DEFAULT_RULES, NULL };
	struct engine_diag *d = engine_diag_new();
	struct engine *e, *alone;

	tu_sharedpath(upstream, sizeof(upstream), UPSTREAM_REL);
	if (stat(upstream, &st) != 0) {
		engine_diag_free(d);
		cr_skip_test("upstream Falco rules fixture missing: " UPSTREAM_REL);
	}
	files[1] = upstream;
	e = load_rules(files, 2, d);
	cr_assert_not_null(e, "kestrel's and Falco's rules do not load together");
	cr_assert_eq(count_level(d, ENGINE_DIAG_ERROR), 0);

	/* every kestrel rule stays active (a rule Falco redefines by name is
	 * Falco's version, which must then be active too) */
	alone = load_rules(files, 1, d);
	cr_assert_not_null(alone);
	for (size_t i = 0; i < engine_rule_count(alone); i++) {
		struct engine_rule_info ri, both;
		long j;
		engine_rule_info(alone, i, &ri);
		j = engine_rule_find(e, ri.name);
		cr_assert_geq(j, 0, "rule '%s' lost", ri.name);
		cr_assert_eq(engine_rule_info(e, (size_t)j, &both), 0, "rule '%s'", ri.name);
		cr_assert(both.active, "rule '%s' skipped with Falco's rules loaded: %s", ri.name,
			  both.skip_reason ? both.skip_reason : "?");
	}
	cr_assert_gt(engine_rule_count(e), engine_rule_count(alone));
	engine_free(alone);
	engine_free(e);
	engine_diag_free(d);
}

/* Reads a file's non-comment, non-empty lines into buf. */
static void rule_lines(FILE *f, char *buf, size_t n)
{
	char line[OUTPUT_MAX];
	size_t len = 0;

	buf[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		size_t l = strcspn(line, "\n");
		if (l == 0 || line[0] == '#')
			continue;
		cr_assert_lt(len + l + 2, n);
		memcpy(buf + len, line, l);
		len += l;
		buf[len++] = '\n';
		buf[len] = '\0';
	}
}

Test(default_rules, audit_rules_file_equals_print_audit_rules)
{
	char path[PATH_MAX_LEN], cmd[3 * PATH_MAX_LEN];
	char *shipped = calloc(1, TEXT_MAX), *printed = calloc(1, TEXT_MAX);
	const char *builddir = getenv("KESTREL_BUILDDIR");
	char rules[PATH_MAX_LEN];
	FILE *f;

	cr_assert_not_null(builddir, "KESTREL_BUILDDIR is not set");
	f = fopen(tu_srcpath(path, sizeof(path), AUDIT_RULES), "r");
	cr_assert_not_null(f, "cannot open %s", path);
	rule_lines(f, shipped, TEXT_MAX);
	fclose(f);

	snprintf(cmd, sizeof(cmd), "'%s/kestrel' -r '%s' --print-audit-rules", builddir,
		 tu_srcpath(rules, sizeof(rules), DEFAULT_RULES));
	f = popen(cmd, "r");
	cr_assert_not_null(f, "cannot run %s", cmd);
	rule_lines(f, printed, TEXT_MAX);
	cr_assert_eq(pclose(f), 0, "%s failed", cmd);

	cr_assert(contains(printed, "-a always,exit"), "%s printed: %s", cmd, printed);
	cr_assert(!contains(shipped, "pid!="), "the shipped rules must not exclude a pid");
	cr_assert_str_eq(shipped, printed,
			 "%s is stale; regenerate it with: kestrel -r %s --print-audit-rules",
			 AUDIT_RULES, DEFAULT_RULES);
	free(shipped);
	free(printed);
}

/* One test needs the upstream Falco rules: without them the file reports
 * SKIP even when everything else passed. */
TU_MAIN_PARTLY_SHARED(UPSTREAM_REL)
