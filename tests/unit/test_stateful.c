/*
 * test_stateful.c — Falco's stateful fields rebuilt from audit records,
 * end to end: hand-written audit logs in the real record format
 * (tests/fixtures/rules-replay/redirect-stdio-net-*.log) replayed through
 * the pipeline, the process table (with its fd table) and the engine.
 * A connected TCP socket dup2'd onto stdin/stdout fires; a file, a pipe
 * and a socket number reused by a later open do not. A non-root process
 * given CAP_SYS_ADMIN by capset (CAPSET record) is seen with it after its
 * exec. Checked with rules of our own and with the unmodified upstream
 * Falco rules; host names in conditions (fd.sip.name) resolved at load;
 * and the kernel-filter terms the fd table needs.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/pipeline.h"
#include "engine/engine.h"
#include "engine/kfilter_int.h"
#include "proc/container.h"
#include "proc/overlay.h"
#include "proc/proc.h"
#include "source/replay.h"
#include "testutil.h"

#define FIXTURE_DIR "tests/fixtures/rules-replay"
#define UPSTREAM_REL "fixtures/falco/falco_rules.yaml"
#define UPSTREAM_RULE "Redirect STDOUT/STDIN to Network Connection in Container"
#define MAX_HITS 16
#define OUT_MAX 1024

static char ct_full_id[] = "9a8b7c6d5e4f9a8b7c6d5e4f9a8b7c6d5e4f9a8b7c6d5e4f9a8b7c6d5e4f9a8b";
static char ct_name[] = "stateful";
static const struct container_info test_ct = {
    .type = CT_DOCKER,
    .id = "9a8b7c6d5e4f",
    .full_id = ct_full_id,
    .name = ct_name,
};

/* Our own rule: a dup onto 0..2 of an inet socket, printing the fields. */
static const char own_rule[] =
    "- rule: net onto stdio\n"
    "  desc: dup of a network socket onto a standard stream\n"
    "  condition: evt.type in (dup, dup2, dup3) and evt.rawres in (0, 1, 2) and fd.type in "
    "(ipv4, ipv6)\n"
    "  output: n=%fd.num name=%fd.name type=%fd.type tc=%fd.typechar l4=%fd.l4proto "
    "sip=%fd.sip sport=%fd.sport rport=%fd.rport lip=%fd.lip fam=%fd.sockfamily "
    "conn=%fd.connected srv=%fd.is_server arg=%evt.arg.fd\n"
    "  priority: NOTICE\n";

struct run {
	struct engine *engine;
	struct proc_table *procs;
	int n;
	char out[MAX_HITS][OUT_MAX];
};

static const struct proc *r_self(void *ctx, const struct kevent *ev)
{
	return ev->proc ? ev->proc : proc_table_get(((struct run *)ctx)->procs, ev->pid);
}

static const struct proc *r_parent(void *ctx, const struct proc *p)
{
	return proc_table_parent(((struct run *)ctx)->procs, p);
}

static const struct container_info *r_ct(void *ctx, const struct proc *p)
{
	return &test_ct; /* every replayed process runs in the test container */
}

static const struct engine_procsrc src = {.self = r_self, .parent = r_parent, .container = r_ct};

static void on_alert(const struct alert *a, void *arg)
{
	struct run *r = arg;
	if (r->n < MAX_HITS)
		snprintf(r->out[r->n++], OUT_MAX, "%s: %s", a->rule, a->output);
}

static void on_event(struct kevent *ev, void *arg)
{
	struct run *r = arg;
	proc_table_update(r->procs, ev);
	if (ev->has_syscall)
		engine_eval_with(r->engine, ev, &src, r, on_alert, r);
}

/* Replays fixture through the rules of text (or file when text is NULL). */
static void replay(const char *fixture, const char *text, const char *file, struct run *r)
{
	char rel[512], path[4096];
	struct engine_diag *d = engine_diag_new();
	struct pipeline p;

	memset(r, 0, sizeof(*r));
	r->engine = engine_new();
	engine_set_matching(r->engine, ENGINE_MATCH_ALL);
	if (text)
		cr_assert_eq(engine_add_buffer(r->engine, "own.yaml", text, strlen(text), d), 0);
	else
		cr_assert_eq(engine_add_path(r->engine, file, d), 0);
	cr_assert_eq(engine_compile(r->engine, d), 0);
	r->procs = proc_table_new(PROC_TABLE_REPLAY);
	cr_assert_eq(pipeline_init(&p, ASM_REPLAY, on_event, r), 0);
	snprintf(rel, sizeof(rel), "%s/%s.log", FIXTURE_DIR, fixture);
	cr_assert_eq(replay_file(tu_srcpath(path, sizeof(path), rel), &p), 0, "%s", path);
	cr_assert_gt(p.stats.events, 0);
	pipeline_fini(&p);
	proc_table_free(r->procs);
	engine_free(r->engine);
	engine_diag_free(d);
}

static void has(const char *s, const char *needle)
{
	cr_assert(strstr(s, needle) != NULL, "'%s' not in: %s", needle, s);
}

Test(stateful, dup2_of_connected_tcp_socket_onto_stdio_fires)
{
	struct run r;
	replay("redirect-stdio-net-fire", own_rule, NULL, &r);
	cr_assert_eq(r.n, 2, "%s", r.n ? r.out[0] : "no alert");
	has(r.out[0], "n=0 ");
	has(r.out[1], "n=1 ");
	has(r.out[0], "name=0.0.0.0:0->127.0.0.1:4444 type=ipv4 tc=4 l4=tcp");
	has(r.out[0], "sip=127.0.0.1 sport=4444 rport=4444 lip=<NA> fam=ip");
	has(r.out[0], "conn=true srv=false");
	has(r.out[0], "arg=3(<4t>0.0.0.0:0->127.0.0.1:4444)");
}

Test(stateful, dup2_of_file_pipe_or_reused_number_stays_silent)
{
	struct run r;
	replay("redirect-stdio-net-near", own_rule, NULL, &r);
	cr_assert_eq(r.n, 0, "%s", r.out[0]);
}

Test(stateful, upstream_redirect_rule_fires_and_near_miss_is_silent)
{
	char up[4096];
	struct run r;

	if (!tu_shared_has(UPSTREAM_REL))
		cr_skip_test("upstream Falco rules fixture missing: " UPSTREAM_REL);
	tu_sharedpath(up, sizeof(up), UPSTREAM_REL);
	replay("redirect-stdio-net-fire", NULL, up, &r);
	int n = 0;
	for (int i = 0; i < r.n; i++) {
		if (!strstr(r.out[i], UPSTREAM_RULE))
			continue; /* e.g. Terminal shell in container, on the exec */
		n++;
		has(r.out[i], "connection=0.0.0.0:0->127.0.0.1:4444");
		has(r.out[i], "fd_type=ipv4 fd_proto=tcp");
		has(r.out[i], "evt_type=dup2");
	}
	cr_assert_eq(n, 2, "dup2 onto 0 and 1: %d alerts of the rule", n);
	replay("redirect-stdio-net-near", NULL, up, &r);
	for (int i = 0; i < r.n; i++)
		cr_assert(strstr(r.out[i], UPSTREAM_RULE) == NULL, "%s", r.out[i]);
}

/* ---- capabilities from CAPSET / BPRM_FCAPS ---- */

static const char cap_rule[] =
    "- rule: admin write\n"
    "  desc: a write open by a process holding CAP_SYS_ADMIN\n"
    "  condition: evt.type = openat and evt.is_open_write = true and thread.cap_effective "
    "contains CAP_SYS_ADMIN\n"
    "  output: eff=%thread.cap_effective prm=%thread.cap_permitted uid=%user.uid\n"
    "  priority: NOTICE\n";

Test(stateful, non_root_with_cap_sys_admin_from_capset_is_seen_with_it)
{
	struct run r;
	replay("release-agent-caps-fire", cap_rule, NULL, &r);
	cr_assert_eq(r.n, 1, "%s", r.n ? r.out[0] : "no alert");
	has(r.out[0], "eff=CAP_DAC_OVERRIDE CAP_SYS_ADMIN prm=CAP_DAC_OVERRIDE CAP_SYS_ADMIN");
	has(r.out[0], "uid=1000");
	replay("release-agent-caps-near", cap_rule, NULL, &r);
	cr_assert_eq(r.n, 0, "%s", r.out[0]);
}

Test(stateful, upstream_release_agent_rule_sees_capset_capabilities)
{
	char up[4096];
	struct run r;
	const char *rule = "Detect release_agent File Container Escapes";

	if (!tu_shared_has(UPSTREAM_REL))
		cr_skip_test("upstream Falco rules fixture missing: " UPSTREAM_REL);
	tu_sharedpath(up, sizeof(up), UPSTREAM_REL);
	replay("release-agent-caps-fire", NULL, up, &r);
	int n = 0;
	for (int i = 0; i < r.n; i++)
		if (strstr(r.out[i], rule)) {
			n++;
			has(r.out[i], "file=/sys/fs/cgroup/release_agent");
			has(r.out[i], "cap_effective=CAP_DAC_OVERRIDE CAP_SYS_ADMIN");
		}
	cr_assert_eq(n, 1);
	replay("release-agent-caps-near", NULL, up, &r);
	for (int i = 0; i < r.n; i++)
		cr_assert(strstr(r.out[i], rule) == NULL, "%s", r.out[i]);
}

/* ---- exec flags ---- */

static const char exe_rule[] =
    "- rule: exe flags\n"
    "  desc: every exec with Falco's exec flags\n"
    "  condition: evt.type in (execve, execveat)\n"
    "  output: flags=%evt.arg.flags memfd=%proc.is_exe_from_memfd wr=%proc.is_exe_writable "
    "up=%proc.is_exe_upper_layer\n"
    "  priority: NOTICE\n";

Test(stateful, exec_of_a_memfd_carries_exe_from_memfd)
{
	struct run r;
	int memfd = 0;

	/* recorded on a real kernel: python3 runs a memfd copy of true, as root */
	replay("memfd-exec-fire", exe_rule, NULL, &r);
	cr_assert_geq(r.n, 2);
	for (int i = 0; i < r.n; i++) {
		if (!strstr(r.out[i], "memfd=true"))
			continue;
		memfd++;
		has(r.out[i], "flags=EXE_WRITABLE|EXE_FROM_MEMFD memfd=true wr=true up=<NA>");
	}
	cr_assert_eq(memfd, 1);
	/* a non-root user's exec of a root-owned 0755 binary: no flag */
	replay("redirect-stdio-net-fire", exe_rule, NULL, &r);
	cr_assert_eq(r.n, 1);
	has(r.out[0], "flags=0 memfd=false wr=false");
}

/* A mountinfo whose "/" is an overlay with upper directory dir (escaped
 * as the kernel does: a space is \040), after a non-overlay "/". */
static void write_mountinfo(const char *path, const char *upper_escaped)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f,
	        "20 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
	        "21 20 0:5 / /proc rw - proc proc rw\n"
	        "700 690 0:52 / / rw,relatime master:1 - overlay overlay "
	        "rw,lowerdir=/var/lib/docker/l/A:/var/lib/docker/l/B,upperdir=%s,"
	        "workdir=/var/lib/docker/w\n",
	        upper_escaped);
	fclose(f);
}

Test(stateful, overlay_upper_layer_from_mountinfo)
{
	char dir[] = "/tmp/kestrel-ovl-XXXXXX", mi[256], up[512], esc[512], file[640], got[4096];

	cr_assert_not_null(mkdtemp(dir));
	snprintf(mi, sizeof(mi), "%s/mountinfo", dir);
	snprintf(up, sizeof(up), "%s/up per", dir);
	snprintf(esc, sizeof(esc), "%s/up\\040per", dir);
	cr_assert_eq(mkdir(up, 0700), 0);
	snprintf(file, sizeof(file), "%s/tmp", up);
	cr_assert_eq(mkdir(file, 0700), 0);
	snprintf(file, sizeof(file), "%s/tmp/dropped", up);
	FILE *f = fopen(file, "w");
	cr_assert_not_null(f);
	fclose(f);
	write_mountinfo(mi, esc);

	cr_assert_eq(overlay_root_upperdir(mi, got, sizeof(got)), 1);
	cr_assert_str_eq(got, up);
	cr_assert_eq(overlay_exe_layer(mi, "/tmp/dropped"), PROC_LAYER_UPPER);
	cr_assert_eq(overlay_exe_layer(mi, "/usr/bin/sh"), PROC_LAYER_LOWER);
	cr_assert_eq(overlay_exe_layer(mi, "relative"), PROC_LAYER_UNKNOWN);

	/* a host root: no layer */
	f = fopen(mi, "w");
	fprintf(f, "20 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n");
	fclose(f);
	cr_assert_eq(overlay_root_upperdir(mi, got, sizeof(got)), 0);
	cr_assert_eq(overlay_exe_layer(mi, "/tmp/dropped"), PROC_LAYER_UNKNOWN);
	cr_assert_eq(overlay_root_upperdir("/nonexistent/mountinfo", got, sizeof(got)), -1);

	unlink(file);
	snprintf(file, sizeof(file), "%s/tmp", up);
	rmdir(file);
	rmdir(up);
	unlink(mi);
	rmdir(dir);
}

/* ---- openat2 flags, accept's server side ---- */

Test(stateful, openat2_flags_come_from_the_openat2_record)
{
	static const char rule[] = "- rule: o2\n  desc: d\n  condition: evt.type = openat2 and "
	                           "evt.is_open_write = true\n"
	                           "  output: flags=%evt.arg.flags name=%fd.name\n"
	                           "  priority: NOTICE\n";
	struct run r;

	replay("openat2-flags", rule, NULL, &r);
	cr_assert_eq(r.n, 1, "only the write open: %d", r.n);
	has(r.out[0], "flags=O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC name=/var/log/syslog");
}

Test(stateful, accept_server_side_is_the_listener)
{
	static const char rule[] =
	    "- rule: acc\n  desc: d\n  condition: evt.type in (accept, accept4)\n"
	    "  output: sip=%fd.sip sport=%fd.sport cip=%fd.cip cport=%fd.cport name=%fd.name "
	    "srv=%fd.is_server l4=%fd.l4proto n=%fd.num\n"
	    "  priority: NOTICE\n";
	struct run r;

	replay("accept-server-side", rule, NULL, &r);
	cr_assert_eq(r.n, 1);
	has(r.out[0], "sip=0.0.0.0 sport=8080 cip=192.0.2.7 cport=50000 "
	              "name=192.0.2.7:50000->0.0.0.0:8080 srv=true l4=tcp n=4");
}

/* Alerts of rule text on a connect to ip (no fd table entry: the
 * SOCKADDR stands for the server end). */
static int fires_on_connect(const char *text, const char *ip, struct run *r)
{
	struct engine_diag *d = engine_diag_new();
	struct kevent ev;

	memset(r, 0, sizeof(*r));
	memset(&ev, 0, sizeof(ev));
	r->engine = engine_new();
	cr_assert_eq(engine_add_buffer(r->engine, "own.yaml", text, strlen(text), d), 0);
	cr_assert_eq(engine_compile(r->engine, d), 0);
	r->procs = proc_table_new(PROC_TABLE_REPLAY);
	ev.has_syscall = 1;
	ev.syscall_name = "connect";
	ev.success = 1;
	ev.pid = 4242;
	ev.comm = "curl";
	ev.a[0] = 3;
	ev.has_sockaddr = 1;
	ev.sockaddr.family = strchr(ip, ':') ? KEV_SA_INET6 : KEV_SA_INET;
	ev.sockaddr.raw_family = strchr(ip, ':') ? 10 : 2;
	snprintf(ev.sockaddr.addr, sizeof(ev.sockaddr.addr), "%s", ip);
	ev.sockaddr.port = 443;
	engine_eval_with(r->engine, &ev, &src, r, on_alert, r);
	proc_table_free(r->procs);
	engine_free(r->engine);
	engine_diag_free(d);
	return r->n;
}

static const char name_rule_eq[] = "- rule: by name\n  desc: d\n  condition: evt.type = connect "
                                   "and fd.sip.name = localhost\n  output: ip=%fd.sip.name\n"
                                   "  priority: NOTICE\n";

/* localhost resolves through /etc/hosts (no network) when the rules
 * compile; the connection's address is compared with its addresses. */
Test(stateful, host_name_in_condition_is_resolved_at_load)
{
	static const char ne[] = "- rule: not by name\n  desc: d\n  condition: evt.type = connect "
	                         "and fd.rip.name != localhost\n  output: o\n  priority: NOTICE\n";
	static const char in[] = "- rule: in names\n  desc: d\n  condition: evt.type = connect "
	                         "and fd.sip.name in (no-such-host.invalid, localhost)\n"
	                         "  output: o\n  priority: NOTICE\n";
	struct run r;

	cr_assert_eq(fires_on_connect(name_rule_eq, "127.0.0.1", &r), 1);
	has(r.out[0], "ip=127.0.0.1");
	cr_assert_eq(fires_on_connect(name_rule_eq, "127.0.0.2", &r), 0);
	cr_assert_eq(fires_on_connect(name_rule_eq, "192.0.2.1", &r), 0);
	cr_assert_eq(fires_on_connect(ne, "127.0.0.1", &r), 0);
	cr_assert_eq(fires_on_connect(ne, "192.0.2.1", &r), 1);
	cr_assert_eq(fires_on_connect(in, "127.0.0.1", &r), 1);
	cr_assert_eq(fires_on_connect(in, "192.0.2.1", &r), 0);
}

Test(stateful, unresolved_host_name_matches_nothing_and_warns)
{
	static const char text[] = "- rule: bad name\n  desc: d\n  condition: evt.type = connect "
	                           "and fd.sip.name = no-such-host.invalid\n  output: o\n"
	                           "  priority: NOTICE\n";
	struct engine_diag *d = engine_diag_new();
	struct engine *e = engine_new();
	struct run r;

	cr_assert_eq(engine_add_buffer(e, "own.yaml", text, strlen(text), d), 0);
	cr_assert_eq(engine_compile(e, d), 0);
	cr_assert(engine_diag_contains(d, "no-such-host.invalid' does not resolve"));
	engine_free(e);
	engine_diag_free(d);
	cr_assert_eq(fires_on_connect(text, "127.0.0.1", &r), 0);
}

/* The kernel-filter terms of the one rule in yaml (kf_rule_terms adds
 * the fd table's syscalls, kf_fd_table_terms in kfilter_check.c). */
static struct tlist fd_terms(const char *yaml, struct engine **ep)
{
	struct engine_diag *d = engine_diag_new();
	struct engine *e = engine_new();

	cr_assert_eq(engine_add_buffer(e, "k.yaml", yaml, strlen(yaml), d), 0);
	cr_assert_eq(engine_compile(e, d), 0);
	cr_assert_eq(e->rules.n, 1);
	struct tlist l = kf_rule_terms(e, e->rules.v[0], 1);
	cr_assert_eq(l.oom, 0);
	engine_diag_free(d);
	*ep = e;
	return l;
}

static int term_has(struct engine *e, const struct kterm *t, const char *name)
{
	int id = engine_evt_id(e, name, 0);
	return id > 0 && ((t->types.w[id / 64] >> (id % 64)) & 1u);
}

/* The term of l that covers syscall name with success=1 and nothing else
 * constrained, or NULL. */
static const struct kterm *feed_term(struct engine *e, const struct tlist *l, const char *name)
{
	for (int i = 0; i < l->n; i++)
		if (term_has(e, &l->t[i], name) && l->t[i].c.success == 1 && l->t[i].c.path.n < 0)
			return &l->t[i];
	return NULL;
}

Test(stateful, kernel_filter_audits_what_the_fd_table_needs)
{
	struct engine *e;
	struct tlist l = fd_terms(own_rule, &e);

	/* dup2 onto 0/1/2 reading the socket's state: the calls that create
	 * and describe sockets are audited, the opens are not (no fd name) */
	cr_assert(feed_term(e, &l, "socket") && feed_term(e, &l, "connect") &&
	          feed_term(e, &l, "accept4") && feed_term(e, &l, "dup2"));
	cr_assert(!feed_term(e, &l, "openat"), "sockets only: the rule reads no fd name");
	free(l.t);
	engine_free(e);

	l = fd_terms("- rule: r\n  desc: d\n  condition: evt.type = dup2 and fd.name = /tmp/x\n"
	             "  output: o\n  priority: NOTICE\n",
	             &e);
	cr_assert(feed_term(e, &l, "openat"), "the fd's name comes from its open");
	free(l.t);
	engine_free(e);

	/* open_write's fd.typechar = f is read on the opens themselves */
	l = fd_terms("- rule: r\n  desc: d\n  condition: evt.type = openat and fd.typechar = f "
	             "and fd.name startswith /etc/\n  output: o\n  priority: NOTICE\n",
	             &e);
	cr_assert(!feed_term(e, &l, "socket") && !feed_term(e, &l, "dup2"));
	free(l.t);
	engine_free(e);
}

/* ---- the container scenarios, recorded live in a Docker container
 * (tests/integration/test_stateful_container.sh, KESTREL_RECORD_DIR) ---- */

/* The alerts of the upstream rule in a replay of fixture: their number,
 * each checked for every needle. */
static int upstream_alerts(const char *fixture, const char *rule, const char *const *needles)
{
	char up[4096];
	struct run r;
	int n = 0;

	tu_sharedpath(up, sizeof(up), UPSTREAM_REL);
	replay(fixture, NULL, up, &r);
	for (int i = 0; i < r.n; i++) {
		if (!strstr(r.out[i], rule))
			continue;
		n++;
		for (int k = 0; needles && needles[k]; k++)
			has(r.out[i], needles[k]);
	}
	return n;
}

Test(stateful, container_redirect_of_tcp_socket_onto_stdio_recorded_live)
{
	static const char *const fire[] = {"connection=0.0.0.0:0->127.0.0.1:49830",
	                                   "rport=49830 fd_type=ipv4 fd_proto=tcp",
	                                   "user_uid=0", "process=kt", NULL};

	if (!tu_shared_has(UPSTREAM_REL))
		cr_skip_test("upstream Falco rules fixture missing: " UPSTREAM_REL);
	/* dup2 onto 0 and dup3 onto 1 of a socket connected to nc -l */
	cr_assert_eq(upstream_alerts("ctr-redirect-fire", UPSTREAM_RULE, fire), 2);
	/* the same socket onto 5, a pipe onto 0 and 1 */
	cr_assert_eq(upstream_alerts("ctr-redirect-near", UPSTREAM_RULE, NULL), 0);
	/* one of them the dup3 (only the redirect rule prints evt_type) */
	cr_assert_eq(upstream_alerts("ctr-redirect-fire", "evt_type=dup3", NULL), 1);
	struct run r;
	replay("ctr-redirect-fire", own_rule, NULL, &r);
	cr_assert_eq(r.n, 2);
	has(r.out[0], "n=0 ");
	has(r.out[1], "n=1 ");
}

Test(stateful, container_release_agent_with_ambient_caps_recorded_live)
{
	static const char *rule = "Detect release_agent File Container Escapes";
	static const char *const fire[] = {
	    "file=/tmp/u/release_agent cap_effective=CAP_DAC_OVERRIDE CAP_SYS_ADMIN",
	    "evt_type=openat", "user_uid=1000", "process=sh", NULL};

	if (!tu_shared_has(UPSTREAM_REL))
		cr_skip_test("upstream Falco rules fixture missing: " UPSTREAM_REL);
	/* uid 1000: capset, PR_CAP_AMBIENT_RAISE, exec of sh (no BPRM_FCAPS:
	 * the CAPSET record is what tells), write open of release_agent */
	cr_assert_eq(upstream_alerts("ctr-release-agent-fire", rule, fire), 1);
	/* the same user and write without the capabilities */
	cr_assert_eq(upstream_alerts("ctr-release-agent-near", rule, NULL), 0);
}

/* The layer of an overlay executable is read live from mountinfo and the
 * upper directory: a replay has neither, so it says unknown and the rule
 * that needs it stays silent on both logs (the live test checks it). */
Test(stateful, container_drop_and_execute_replay_knows_no_layer)
{
	struct run r;

	if (!tu_shared_has(UPSTREAM_REL))
		cr_skip_test("upstream Falco rules fixture missing: " UPSTREAM_REL);
	cr_assert_eq(upstream_alerts("ctr-drop-exec-fire", "Drop and execute new binary", NULL), 0);
	cr_assert_eq(upstream_alerts("ctr-drop-exec-near", "Drop and execute new binary", NULL), 0);
	replay("ctr-drop-exec-fire", exe_rule, NULL, &r);
	cr_assert_eq(r.n, 1);
	has(r.out[0], "up=<NA>");
}

/* A docker container's root as mounted in the host's namespace (its
 * merged directory), found by the device audit reports for an exe. */
Test(stateful, overlay_upperdir_by_device_in_the_host_namespace)
{
	char dir[] = "/tmp/kestrel-ovd-XXXXXX", mi[256], got[4096];

	cr_assert_not_null(mkdtemp(dir));
	snprintf(mi, sizeof(mi), "%s/mountinfo", dir);
	FILE *f = fopen(mi, "w");
	cr_assert_not_null(f);
	fprintf(f, "20 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
	           "300 20 0:39 / /var/lib/docker/overlay2/a/merged rw - overlay overlay "
	           "rw,lowerdir=/l/A,upperdir=/var/lib/docker/overlay2/a/diff,workdir=/w/a\n"
	           "301 20 0:40 / /var/lib/docker/overlay2/b/merged rw - overlay overlay "
	           "rw,lowerdir=/l/B,upperdir=/var/lib/docker/overlay2/b/diff,workdir=/w/b\n");
	fclose(f);
	cr_assert_eq(overlay_dev_upperdir(mi, "00:28", got, sizeof(got)), 1);
	cr_assert_str_eq(got, "/var/lib/docker/overlay2/b/diff");
	cr_assert_eq(overlay_dev_upperdir(mi, "00:27", got, sizeof(got)), 1);
	cr_assert_str_eq(got, "/var/lib/docker/overlay2/a/diff");
	cr_assert_eq(overlay_dev_upperdir(mi, "08:01", got, sizeof(got)), 0, "ext4: no upper");
	cr_assert_eq(overlay_dev_upperdir(mi, "00:30", got, sizeof(got)), 0);
	cr_assert_eq(overlay_dev_upperdir(mi, "bogus", got, sizeof(got)), 0);
	unlink(mi);
	rmdir(dir);
}

/* ---- outbound ssh to a non-standard port (test_stateful_net.sh live) ---- */

/* The real ssh client to 203.0.113.10:4444 fires; ssh to port 22 and
 * another client to 4444 do not. In replay no /proc tells the client's
 * local end: fd.name starts 0.0.0.0:0 (live has 203.0.113.1:port). */
Test(stateful, upstream_ssh_non_standard_port_fires_and_near_misses_are_silent)
{
	static const char *rule = "Disallowed SSH Connection Non Standard Port";
	static const char *const fire[] = {
	    "connection=0.0.0.0:0->203.0.113.10:4444 lport=<NA> rport=4444 fd_type=ipv4 "
	    "fd_proto=tcp evt_type=connect user=root user_uid=0 user_loginuid=1000 process=ssh "
	    "proc_exepath=/usr/bin/ssh",
	    "command=ssh -p 4444 kestrel@203.0.113.10", NULL};

	if (!tu_shared_has(UPSTREAM_REL))
		cr_skip_test("upstream Falco rules fixture missing: " UPSTREAM_REL);
	cr_assert_eq(upstream_alerts("ssh-nonstd-port-fire", rule, fire), 1);
	cr_assert_eq(upstream_alerts("ssh-nonstd-port-near", rule, NULL), 0);
}

TU_MAIN_PARTLY_SHARED(UPSTREAM_REL)
