/*
 * test_evt_mode.c — evt.arg.mode and evt.rawarg.mode as Falco gives them:
 * chmod's mode as its S_* bit names (so the upstream rules' `evt.arg.mode
 * contains "S_ISUID"` can fire), open's in octal, mkdir's in hex, and the
 * number itself in evt.rawarg.mode; and the setuid rules (kestrel's
 * default and the upstream incubating one's condition) on setuid, setgid
 * and sticky-only modes.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <fcntl.h>

#include "engine_testutil.h"

static struct test_world W;

static struct engine *load_rule(const char *cond, const char *output)
{
	char yaml[1024];

	snprintf(yaml, sizeof(yaml),
	         "- rule: r\n  desc: d\n  condition: %s\n  output: \"%s\"\n  priority: WARNING\n",
	         cond, output);
	struct engine *e = tw_load(yaml, NULL);
	cr_assert_not_null(e, "rule does not load: %s", cond);
	return e;
}

/* The rule's output on ev, or NULL when it did not fire. */
static const char *run(struct engine *e, const struct kevent *ev, struct capture *cap)
{
	memset(cap, 0, sizeof(*cap));
	engine_eval_with(e, ev, &tw_src, &W, capture_cb, cap);
	return cap->n ? cap->output[0] : NULL;
}

static void world(void)
{
	memset(&W, 0, sizeof(W));
	tw_add(&W, 100, 1, "chmod", "/usr/bin/chmod", NULL);
}

TestSuite(evt_mode, .init = world);

Test(evt_mode, chmod_mode_is_bit_names_lowest_first)
{
	struct engine *e = load_rule("evt.type in (chmod, fchmod, fchmodat)",
	                             "m=%evt.arg.mode raw=%evt.rawarg.mode");
	struct kevent ev = tw_event("fchmodat", 100, 1, "chmod", "/usr/bin/chmod");
	struct capture cap;

	ev.a[2] = 04755;
	cr_assert_str_eq(run(e, &ev, &cap), "m=S_IXOTH|S_IROTH|S_IXGRP|S_IRGRP|S_IXUSR|S_IWUSR|"
	                                    "S_IRUSR|S_ISUID raw=2541");
	ev.syscall_name = "chmod"; /* chmod(path, mode): a1 */
	ev.a[1] = 01777;
	cr_assert_str_eq(run(e, &ev, &cap),
	                 "m=S_IXOTH|S_IWOTH|S_IROTH|S_IXGRP|S_IWGRP|S_IRGRP|S_IXUSR|S_IWUSR|"
	                 "S_IRUSR|S_ISVTX raw=1023");
	ev.syscall_name = "fchmod";
	ev.a[1] = 02000;
	cr_assert_str_eq(run(e, &ev, &cap), "m=S_ISGID raw=1024");
	ev.a[1] = 0;
	cr_assert_str_eq(run(e, &ev, &cap), "m=0 raw=0");
	engine_free(e);
}

Test(evt_mode, open_mode_is_octal_and_mkdir_mode_hex)
{
	struct engine *e = load_rule("evt.type in (openat, mkdir)", "m=%evt.arg.mode");
	struct kevent ev = tw_event("openat", 100, 1, "chmod", "/usr/bin/chmod");
	struct capture cap;

	ev.a[2] = O_WRONLY | O_CREAT;
	ev.a[3] = 0644;
	cr_assert_str_eq(run(e, &ev, &cap), "m=0644");
	ev.syscall_name = "mkdir";
	ev.a[1] = 0755;
	cr_assert_str_eq(run(e, &ev, &cap), "m=1ED");
	engine_free(e);
}

Test(evt_mode, setuid_conditions_fire_on_suid_and_sgid_not_on_sticky)
{
	/* the upstream incubating rule's test, and kestrel's default one */
	const char *conds[] = {
	    "evt.type in (chmod, fchmod, fchmodat) and (evt.arg.mode contains \"S_ISUID\" or "
	    "evt.arg.mode contains \"S_ISGID\")",
	    "evt.type in (chmod, fchmod, fchmodat) and evt.rawarg.mode >= 1024",
	};
	for (size_t i = 0; i < sizeof(conds) / sizeof(conds[0]); i++) {
		struct engine *e = load_rule(conds[i], "x");
		struct kevent ev = tw_event("fchmodat", 100, 1, "chmod", "/usr/bin/chmod");
		struct capture cap;

		ev.a[2] = 04755;
		cr_assert_not_null(run(e, &ev, &cap), "setuid, cond %zu", i);
		ev.a[2] = 02755;
		cr_assert_not_null(run(e, &ev, &cap), "setgid, cond %zu", i);
		for (unsigned m = 01000; m <= 01777; m += 0111) {
			ev.a[2] = m;
			cr_assert_null(run(e, &ev, &cap), "sticky only 0%o, cond %zu", m, i);
		}
		ev.a[2] = 0755;
		cr_assert_null(run(e, &ev, &cap), "plain 0755, cond %zu", i);
		engine_free(e);
	}
}
