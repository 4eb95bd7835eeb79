/*
 * test_engine_upstream.c — compatibility with the unmodified upstream Falco
 * rule files in ../shared/fixtures/falco: validation, -L, the local-file
 * override seed scenario, and a shell-in-container exec that must fire
 * "Terminal shell in container" with the exact output while unrelated
 * events fire nothing. The file SKIPs (exit 77) when the fixtures are
 * absent (KESTREL_SHARED=/nonexistent shows it).
 */
#include "config.h"

#include <criterion/criterion.h>
#include <sys/stat.h>

#include "engine_testutil.h"
#include "testutil.h"

#define UPSTREAM_REL "fixtures/falco/falco_rules.yaml"

static char upstream[1024];

/* main() has checked the fixture exists. */
#define NEED_UPSTREAM() tu_sharedpath(upstream, sizeof(upstream), UPSTREAM_REL)

static struct engine *load_upstream(struct engine_diag *d)
{
	const char *p[1] = {upstream};
	struct engine *e = engine_new();
	if (engine_load(e, p, 1, d) < 0) {
		engine_diag_print(d, stderr);
		engine_free(e);
		return NULL;
	}
	return e;
}

Test(upstream, validate_accepts_unmodified_falco_rules)
{
	char *buf;
	int rc;
	NEED_UPSTREAM();
	buf = calloc(1, 1 << 16);
	const char *p[1] = {upstream};
	TW_CAPTURE(buf, 1 << 16, rc = engine_cli_validate(p, 1, out));
	cr_assert_eq(rc, 0, "%s", buf);
	cr_assert(strstr(buf, "falco_rules.yaml: Ok") != NULL, "%s", buf);
	cr_assert(strstr(buf, "error:") == NULL, "%s", buf);
	free(buf);
}

Test(upstream, list_rules_reports_every_rule_and_skipped_fields)
{
	NEED_UPSTREAM();
	struct engine_diag *d = engine_diag_new();
	char *buf = calloc(1, 1 << 16);
	struct engine *e = load_upstream(d);
	cr_assert_not_null(e);
	cr_assert_eq(engine_rule_count(e), 25);
	TW_CAPTURE(buf, 1 << 16, engine_cli_list_rules(e, out));
	cr_assert(strstr(buf, "25 rules: 25 active, 0 skipped") != NULL, "%s", buf);
	/* every rule named in the file is listed */
	for (size_t i = 0; i < engine_rule_count(e); i++) {
		struct engine_rule_info ri;
		engine_rule_info(e, i, &ri);
		cr_assert(strstr(buf, ri.name) != NULL, "missing %s", ri.name);
	}
	/* the syscalls the live capture must subscribe to */
	const char *names[64];
	int all = 1;
	size_t n = engine_syscalls(e, names, 64, &all);
	cr_assert_eq(all, 0);
	cr_assert_geq(n, 15);
	engine_free(e);
	engine_diag_free(d);
	free(buf);
}

/* Writes the upstream "Terminal shell in container" item, with the
 * priority changed to WARNING, to a fresh *.local.yaml file. */
static void write_local_copy(char *path, size_t n)
{
	FILE *f = fopen(upstream, "r");
	static char text[1 << 20];
	size_t len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[len] = '\0';
	char *start = strstr(text, "- rule: Terminal shell in container\n");
	cr_assert_not_null(start);
	char *end = strstr(start + 1, "\n- ");
	char *cut = strstr(start + 1, "\n\n");
	if (cut && (!end || cut < end))
		end = cut;
	*end = '\0';
	char *prio = strstr(start, "priority: NOTICE");
	cr_assert_not_null(prio);
	const char *dir = getenv("KESTREL_BUILDDIR");
	snprintf(path, n, "%s/engine-seed-XXXXXX.local.yaml", dir ? dir : "/tmp");
	int fd = mkstemps(path, (int)strlen(".local.yaml"));
	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	fprintf(f, "%.*spriority: WARNING%s\n", (int)(prio - start), start,
	        prio + strlen("priority: NOTICE"));
	fclose(f);
}

Test(upstream, seed_scenario_local_copy_with_warning_replaces_original)
{
	char local[1024], buf[8192];
	NEED_UPSTREAM();
	struct engine_diag *d = engine_diag_new();
	write_local_copy(local, sizeof(local));
	const char *p[2] = {upstream, local};
	struct engine *e = engine_new();
	int rc = engine_load(e, p, 2, d);
	unlink(local);
	cr_assert_eq(rc, 0);
	cr_assert_eq(engine_rule_count(e), 25);
	TW_CAPTURE(buf, sizeof(buf),
	           engine_cli_describe_rule(e, "Terminal shell in container", out));
	cr_assert(strstr(buf, "Priority: Warning") != NULL, "%s", buf);
	cr_assert(strstr(buf, "Event types: execve execveat") != NULL, "%s", buf);
	cr_assert(strstr(buf, "Condition: (evt.type in (execve, execveat) and container.id != host "
	                      "and proc.name in (ash, bash, csh, ksh, sh, tcsh, zsh, dash) and "
	                      "proc.tty != 0") != NULL,
	          "%s", buf);
	engine_free(e);
	engine_diag_free(d);
}

static struct test_world W;
static struct container_info ct_docker = {
    .type = CT_DOCKER,
    .id = "3ad7b26ded6d",
    .name = "web",
    .image = "nginx:1.25",
    .image_repository = "nginx",
    .image_tag = "1.25",
    .privileged = 0,
};
static const char *bash_argv[] = {"bash", "-i"};
static const char *ls_argv[] = {"ls", "-l", "/"};

static void world(void)
{
	memset(&W, 0, sizeof(W));
	tw_add(&W, 1, 0, "systemd", "/usr/lib/systemd/systemd", NULL);
	tw_add(&W, 900, 1, "containerd-shim", "/usr/bin/containerd-shim-runc-v2", NULL);
	tw_add(&W, 950, 900, "runc", "/usr/bin/runc", &ct_docker);
	struct proc *b = tw_add(&W, 1000, 950, "bash", "/bin/bash", &ct_docker);
	b->argc = 2;
	b->argv = (char **)bash_argv;
	b->tty = 34816;
	struct proc *l = tw_add(&W, 1001, 1000, "ls", "/bin/ls", &ct_docker);
	l->argc = 3;
	l->argv = (char **)ls_argv;
	l->tty = 34816;
	tw_add(&W, 1002, 1000, "cat", "/bin/cat", &ct_docker);
	struct proc *h = tw_add(&W, 2000, 1, "bash", "/bin/bash", NULL);
	h->tty = 34817;
}

static struct kevent exec_in(int64_t pid, int64_t ppid, const char *comm, const char *exe,
                             const char **argv, int argc, const char *tty)
{
	struct kevent ev = tw_event("execve", pid, ppid, comm, exe);
	ev.argv = argv;
	ev.nargv = ev.argc = argc;
	ev.tty = tty;
	ev.cwd = "/";
	return ev;
}

Test(upstream, shell_in_container_fires_terminal_shell_rule, .init = world)
{
	struct capture cap = {0};
	NEED_UPSTREAM();
	struct engine_diag *d = engine_diag_new();
	struct engine *e = load_upstream(d);
	cr_assert_not_null(e);
	engine_set_matching(e, ENGINE_MATCH_ALL);
	struct kevent ev = exec_in(1000, 950, "bash", "/bin/bash", bash_argv, 2, "pts0");
	cr_assert_eq(engine_eval_with(e, &ev, &tw_src, &W, capture_cb, &cap), 1);
	cr_assert_str_eq(cap.rule[0], "Terminal shell in container");
	cr_assert_eq(cap.priority[0], PRI_NOTICE);
	cr_assert_str_eq(cap.output[0],
	                 "A shell was spawned in a container with an attached terminal | "
	                 "evt_type=execve user=root user_uid=0 user_loginuid=-1 process=bash "
	                 "proc_exepath=/bin/bash parent=runc command=bash -i terminal=34816 "
	                 "exe_flags=<NA> container_id=3ad7b26ded6d container_name=web "
	                 "container_image=nginx");
	engine_free(e);
	engine_diag_free(d);
}

Test(upstream, unrelated_events_fire_nothing, .init = world)
{
	struct capture cap = {0};
	NEED_UPSTREAM();
	struct engine_diag *d = engine_diag_new();
	struct engine *e = load_upstream(d);
	cr_assert_not_null(e);
	engine_set_matching(e, ENGINE_MATCH_ALL);
	/* a non-shell in the container */
	struct kevent ls = exec_in(1001, 1000, "ls", "/bin/ls", ls_argv, 3, "pts0");
	cr_assert_eq(engine_eval_with(e, &ls, &tw_src, &W, capture_cb, &cap), 0, "%s", cap.rule[0]);
	/* a shell with a terminal on the host */
	struct kevent host = exec_in(2000, 1, "bash", "/bin/bash", bash_argv, 2, "pts1");
	cr_assert_eq(engine_eval_with(e, &host, &tw_src, &W, capture_cb, &cap), 0, "%s",
	             cap.rule[0]);
	/* an ordinary file open and a connection */
	struct kev_path p = {.item = 0,
	                     .name = "/tmp/build.log",
	                     .nametype = "CREATE",
	                     .mode = 0100644,
	                     .inode = KEV_UNSET};
	struct kevent op = tw_event("openat", 1001, 1000, "ls", "/bin/ls");
	op.a[2] = 01101; /* O_WRONLY|O_CREAT|O_TRUNC */
	op.exit = 3;
	op.paths = &p;
	op.npaths = 1;
	op.cwd = "/";
	cr_assert_eq(engine_eval_with(e, &op, &tw_src, &W, capture_cb, &cap), 0, "%s", cap.rule[0]);
	struct kevent cn = tw_event("connect", 1001, 1000, "ls", "/bin/ls");
	cn.has_sockaddr = 1;
	cn.sockaddr.family = KEV_SA_INET;
	snprintf(cn.sockaddr.addr, sizeof(cn.sockaddr.addr), "93.184.216.34");
	cn.sockaddr.port = 443;
	cr_assert_eq(engine_eval_with(e, &cn, &tw_src, &W, capture_cb, &cap), 0, "%s", cap.rule[0]);
	/* but cat reading /etc/shadow in the container does fire */
	struct kev_path sp = {.item = 0,
	                      .name = "/etc/shadow",
	                      .nametype = "NORMAL",
	                      .mode = 0100640,
	                      .inode = KEV_UNSET};
	struct kevent rd = tw_event("openat", 1002, 1000, "cat", "/bin/cat");
	rd.exit = 3;
	rd.paths = &sp;
	rd.npaths = 1;
	rd.cwd = "/";
	cr_assert_eq(engine_eval_with(e, &rd, &tw_src, &W, capture_cb, &cap), 1);
	cr_assert_str_eq(cap.rule[0], "Read sensitive file untrusted");
	engine_free(e);
	engine_diag_free(d);
}

Test(upstream, incubating_and_sandbox_load_after_stable)
{
	char inc[1024], sbx[1024];
	NEED_UPSTREAM();
	struct engine_diag *d = engine_diag_new();
	const char *p[3] = {
	    upstream,
	    tu_sharedpath(inc, sizeof(inc), "fixtures/falco/falco-incubating_rules.yaml"),
	    tu_sharedpath(sbx, sizeof(sbx), "fixtures/falco/falco-sandbox_rules.yaml"),
	};
	struct engine *e = engine_new();
	int rc = engine_load(e, p, 3, d);
	if (rc < 0)
		engine_diag_print(d, stderr);
	cr_assert_eq(rc, 0);
	cr_assert_gt(engine_active_count(e), 50);
	engine_free(e);
	engine_diag_free(d);
}

/* Without the upstream rules every test above is meaningless: the whole
 * file reports SKIP (exit 77), never a pass of zero tests. */
TU_MAIN_REQUIRES_SHARED(UPSTREAM_REL)
