/*
 * test_fields_cache.c — what the engine keeps from one event to the next
 * must never change an answer: the syscall class cache of fields.c (keyed
 * by name, verified by content, so a reused name buffer with new text is a
 * new class) and the address cache of CIDR checks in eval.c (the last
 * address text parsed). One engine evaluates a sequence of events whose
 * answers alternate.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <fcntl.h>

#include "engine_testutil.h"

static struct test_world W;

/* One rule "r" with cond, loaded once for a sequence of events. */
static struct engine *load_rule(const char *cond)
{
	char yaml[1024];

	snprintf(yaml, sizeof(yaml),
	         "- rule: r\n  desc: d\n  condition: %s\n  output: out\n  priority: WARNING\n",
	         cond);
	struct engine *e = tw_load(yaml, NULL);
	cr_assert_not_null(e, "rule does not load: %s", cond);
	return e;
}

/* 1 when the rule fired on ev. */
static int fires(struct engine *e, const struct kevent *ev)
{
	struct capture cap = {0};

	engine_eval_with(e, ev, &tw_src, &W, capture_cb, &cap);
	return cap.n;
}

static void world(void)
{
	memset(&W, 0, sizeof(W));
	tw_add(&W, 100, 1, "cat", "/usr/bin/cat", NULL);
}

TestSuite(fields_cache, .init = world);

Test(fields_cache, reused_name_buffer_with_new_text_is_a_new_class)
{
	struct engine *e = load_rule("evt.is_open_read = true");
	char name[64];
	struct kevent ev = tw_event(name, 100, 1, "cat", "/usr/bin/cat");

	ev.a[2] = O_RDONLY;
	for (int round = 0; round < 3; round++) {
		strcpy(name, "openat");
		cr_assert_eq(fires(e, &ev), 1, "openat, round %d", round);
		strcpy(name, "connect"); /* same address, other syscall */
		cr_assert_eq(fires(e, &ev), 0, "connect, round %d", round);
		strcpy(name, "open");
		ev.a[1] = O_WRONLY; /* open's flags are a1, not a2 */
		cr_assert_eq(fires(e, &ev), 0, "open for writing, round %d", round);
		ev.a[1] = O_RDONLY;
		cr_assert_eq(fires(e, &ev), 1, "open for reading, round %d", round);
	}
	engine_free(e);
}

Test(fields_cache, open_flags_come_from_each_event_not_from_the_cache)
{
	struct engine *e = load_rule("evt.is_open_write = true");
	struct kevent ev = tw_event("openat", 100, 1, "cat", "/usr/bin/cat");

	ev.a[2] = O_WRONLY | O_CREAT;
	cr_assert_eq(fires(e, &ev), 1);
	ev.a[2] = O_RDONLY;
	cr_assert_eq(fires(e, &ev), 0);
	ev.syscall_name = "creat"; /* creat implies write flags */
	cr_assert_eq(fires(e, &ev), 1);
	engine_free(e);
}

Test(fields_cache, names_too_long_to_cache_and_no_name_still_answer)
{
	struct engine *e = load_rule("evt.is_open_read = true");
	char longname[80];
	struct kevent ev = tw_event("openat", 100, 1, "cat", "/usr/bin/cat");

	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ev.a[2] = O_RDONLY;
	cr_assert_eq(fires(e, &ev), 1);
	ev.syscall_name = longname;
	cr_assert_eq(fires(e, &ev), 0, "an unknown long name is no open");
	ev.syscall_name = NULL;
	cr_assert_eq(fires(e, &ev), 0, "no name is no open");
	ev.syscall_name = "openat";
	cr_assert_eq(fires(e, &ev), 1, "and the cached class is still right");
	engine_free(e);
}

/* A connect event to addr (IPv4 or IPv6 text). */
static struct kevent connect_to(const char *addr, int family)
{
	struct kevent ev = tw_event("connect", 100, 1, "cat", "/usr/bin/cat");

	ev.a[0] = 5;
	ev.has_sockaddr = 1;
	ev.sockaddr.family = family;
	ev.sockaddr.raw_family = family == KEV_SA_INET6 ? 10 : 2;
	snprintf(ev.sockaddr.addr, sizeof(ev.sockaddr.addr), "%s", addr);
	ev.sockaddr.port = 443;
	return ev;
}

Test(fields_cache, cidr_check_answers_each_address_whatever_came_before)
{
	struct engine *e = load_rule("fd.snet in (10.0.0.0/8, 2001:db8::/32)");
	static const struct {
		const char *addr;
		int family, fires;
	} seq[] = {
	    {"10.1.2.3", KEV_SA_INET, 1},      {"10.1.2.3", KEV_SA_INET, 1},
	    {"192.168.1.1", KEV_SA_INET, 0},   {"10.1.2.3", KEV_SA_INET, 1},
	    {"11.1.2.3", KEV_SA_INET, 0},      {"2001:db8::1", KEV_SA_INET6, 1},
	    {"2001:db9::1", KEV_SA_INET6, 0},  {"10.255.255.255", KEV_SA_INET, 1},
	    {"9.255.255.255", KEV_SA_INET, 0},
	};

	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		struct kevent ev = connect_to(seq[i].addr, seq[i].family);
		cr_assert_eq(fires(e, &ev), seq[i].fires, "event %zu: %s", i, seq[i].addr);
	}
	engine_free(e);
}

Test(fields_cache, cidr_negation_after_a_cached_address)
{
	struct engine *e = load_rule("fd.snet != 10.0.0.0/8");
	struct kevent in = connect_to("10.0.0.7", KEV_SA_INET);
	struct kevent out = connect_to("172.16.0.7", KEV_SA_INET);

	cr_assert_eq(fires(e, &in), 0);
	cr_assert_eq(fires(e, &in), 0);
	cr_assert_eq(fires(e, &out), 1);
	cr_assert_eq(fires(e, &in), 0);
	engine_free(e);
}
