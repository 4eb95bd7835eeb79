/*
 * test_resolver.c — host names in rule conditions (fd.sip.name = NAME)
 * through a fake resolve hook (engine_set_resolver): live, the names are
 * resolved by the engine's thread after compile (a slow resolver does not
 * delay it), refreshed (a new address changes the match; a name that
 * stops resolving matches nothing), and engine_free() does not wait for a
 * resolution in progress; in validation they are resolved while
 * compiling, in replay at the check's first evaluation.
 */
#include "config.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>

#include "engine_testutil.h"

#define NAME "api.kestrel.test"
#define ADDR_A "10.0.0.1"
#define ADDR_B "10.0.0.2"
/* How long a test waits for the resolver thread before failing. */
#define WAIT_MS 3000
/* What "promptly" means for compile and engine_free with a slow resolver. */
#define PROMPT_MS 200
/* How long the slow fake blocks unless released. */
#define SLOW_MS 2000

static const char rule_eq[] = "- rule: by name\n  desc: d\n  condition: evt.type = connect "
                              "and fd.sip.name = " NAME "\n  output: o\n  priority: NOTICE\n";

/* The fake resolver: NAME resolves to addr (none: fails); when slow, each
 * call blocks until released or SLOW_MS. */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char addr[32];
	int slow, released, calls, returned;
} fake = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, "", 0, 0, 0, 0};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int fake_resolve(void *arg, const char *name, struct engine_addr *out, int max)
{
	int n = -1;
	uint64_t until = now_ms() + SLOW_MS;

	(void)arg;
	pthread_mutex_lock(&fake.mu);
	fake.calls++;
	pthread_cond_broadcast(&fake.cv);
	while (fake.slow && !fake.released && now_ms() < until) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 10 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&fake.cv, &fake.mu, &ts);
	}
	if (strcmp(name, NAME) == 0 && fake.addr[0] && max > 0) {
		out[0].family = AF_INET;
		memset(out[0].addr, 0, sizeof(out[0].addr));
		inet_pton(AF_INET, fake.addr, out[0].addr);
		n = 1;
	}
	fake.returned++;
	pthread_cond_broadcast(&fake.cv);
	pthread_mutex_unlock(&fake.mu);
	return n;
}

static void fake_set(const char *addr, int slow)
{
	pthread_mutex_lock(&fake.mu);
	snprintf(fake.addr, sizeof(fake.addr), "%s", addr ? addr : "");
	fake.slow = slow;
	fake.released = 0;
	pthread_mutex_unlock(&fake.mu);
}

static void fake_release(void)
{
	pthread_mutex_lock(&fake.mu);
	fake.released = 1;
	pthread_cond_broadcast(&fake.cv);
	pthread_mutex_unlock(&fake.mu);
}

/* Waits until the fake has been entered (calls) or returned n times. */
static int fake_wait(int *counter, int n)
{
	uint64_t until = now_ms() + WAIT_MS;
	int ok;

	pthread_mutex_lock(&fake.mu);
	while (*counter < n && now_ms() < until) {
		pthread_mutex_unlock(&fake.mu);
		usleep(1000);
		pthread_mutex_lock(&fake.mu);
	}
	ok = *counter >= n;
	pthread_mutex_unlock(&fake.mu);
	return ok;
}

/* live: 1 live, 0 validation, LAZY replay */
#define LAZY 2
static struct engine *load(int live, unsigned refresh_ms, struct engine_diag *d)
{
	struct engine *e = engine_new();

	cr_assert(e);
	engine_set_append_output(e, NULL);
	engine_set_live(e, live == 1);
	engine_set_lazy_hostnames(e, live == LAZY);
	engine_set_resolver(e, fake_resolve, NULL);
	engine_set_dns_refresh_ms(e, refresh_ms);
	cr_assert_eq(engine_add_buffer(e, "test.yaml", rule_eq, strlen(rule_eq), d), 0);
	cr_assert_eq(engine_compile(e, d), 0);
	return e;
}

/* Waits until the resolver has completed want passes in all. */
static void wait_passes_total(struct engine *e, uint64_t want)
{
	uint64_t until = now_ms() + WAIT_MS;

	while (engine_dns_passes(e) < want && now_ms() < until)
		usleep(1000);
	cr_assert_geq(engine_dns_passes(e), want, "the resolver did not refresh in %d ms", WAIT_MS);
}

/* Waits for n more completed passes than seen now. */
static void wait_passes(struct engine *e, uint64_t n)
{
	wait_passes_total(e, engine_dns_passes(e) + n);
}

/* 1 when the rule fires on a `syscall` (with a socket address: addr). */
static int fires_on(struct engine *e, const char *syscall, const char *addr)
{
	static struct test_world w;
	struct capture cap = {0};
	struct kevent ev = tw_event(syscall, 100, 99, "curl", "/usr/bin/curl");

	ev.a[0] = 5;
	ev.has_sockaddr = 1;
	ev.sockaddr.family = KEV_SA_INET;
	ev.sockaddr.raw_family = 2;
	snprintf(ev.sockaddr.addr, sizeof(ev.sockaddr.addr), "%s", addr);
	ev.sockaddr.port = 443;
	return engine_eval_with(e, &ev, &tw_src, &w, capture_cb, &cap);
}

/* 1 when the rule fires on a connect to addr. */
static int fires(struct engine *e, const char *addr)
{
	return fires_on(e, "connect", addr);
}

/* What the thread's signal mask held for SIGTERM and SIGHUP, seen from
 * inside the resolve hook: -1 not called yet. */
static int hook_blocked = -1;

static int mask_resolve(void *arg, const char *name, struct engine_addr *out, int max)
{
	sigset_t cur;

	pthread_sigmask(SIG_SETMASK, NULL, &cur);
	__atomic_store_n(&hook_blocked, sigismember(&cur, SIGTERM) && sigismember(&cur, SIGHUP),
	                 __ATOMIC_SEQ_CST);
	return fake_resolve(arg, name, out, max);
}

/* The daemon reads SIGTERM, SIGHUP ... from a signalfd; a thread that does
 * not block them gets their default action: a SIGTERM killed kestrel
 * without removing its kernel rules. Created while this (test) thread has
 * them unblocked, the resolver thread must block them itself. */
Test(resolver, thread_blocks_every_signal)
{
	struct engine_diag *d = engine_diag_new();
	struct engine *e = engine_new();
	sigset_t none;

	sigemptyset(&none);
	pthread_sigmask(SIG_SETMASK, &none, NULL);
	fake_set(ADDR_A, 0);
	cr_assert(e);
	engine_set_append_output(e, NULL);
	engine_set_live(e, 1);
	engine_set_resolver(e, mask_resolve, NULL);
	cr_assert_eq(engine_add_buffer(e, "test.yaml", rule_eq, strlen(rule_eq), d), 0);
	cr_assert_eq(engine_compile(e, d), 0);
	wait_passes_total(e, 1);
	cr_expect_eq(__atomic_load_n(&hook_blocked, __ATOMIC_SEQ_CST), 1,
	             "SIGTERM/SIGHUP not blocked in the resolver thread");
	engine_free(e);
	engine_diag_free(d);
}

Test(resolver, refresh_changes_the_match_live)
{
	struct engine_diag *d = engine_diag_new();
	struct engine *e;

	fake_set(ADDR_A, 0);
	e = load(1, 5, d);
	wait_passes_total(e, 1);
	cr_assert_eq(fires(e, ADDR_A), 1);
	cr_assert_eq(fires(e, ADDR_B), 0);
	fake_set(ADDR_B, 0);
	wait_passes(e, 2); /* one whole pass after the change */
	cr_assert_eq(fires(e, ADDR_A), 0);
	cr_assert_eq(fires(e, ADDR_B), 1);
	/* a name that stops resolving matches nothing (as in Falco), and
	 * live compilation does not warn: the thread logs it */
	fake_set(NULL, 0);
	wait_passes(e, 2);
	cr_assert_eq(fires(e, ADDR_B), 0);
	cr_assert_not(engine_diag_contains(d, "does not resolve"));
	engine_free(e);
	engine_diag_free(d);
}

Test(resolver, first_resolution_is_off_the_compile_path)
{
	struct engine_diag *d = engine_diag_new();
	struct engine *e;
	uint64_t t0;

	fake_set(ADDR_A, 1);
	t0 = now_ms();
	e = load(1, 60000, d);
	cr_assert_lt(now_ms() - t0, PROMPT_MS, "compile waited for the resolver");
	cr_assert(fake_wait(&fake.calls, 1), "the resolver thread never ran");
	/* until the first resolution completes the name matches nothing */
	cr_assert_eq(engine_dns_passes(e), 0);
	cr_assert_eq(fires(e, ADDR_A), 0);
	fake_release();
	wait_passes_total(e, 1); /* the next pass is 60 s away */
	cr_assert_eq(fires(e, ADDR_A), 1);
	engine_free(e);
	engine_diag_free(d);
}

Test(resolver, engine_free_does_not_wait_for_a_slow_resolution)
{
	struct engine_diag *d = engine_diag_new();
	struct engine *e;
	uint64_t t0;

	fake_set(ADDR_A, 1);
	e = load(1, 60000, d);
	cr_assert(fake_wait(&fake.calls, 1), "the resolver thread never ran");
	t0 = now_ms();
	engine_free(e);
	cr_assert_lt(now_ms() - t0, PROMPT_MS, "engine_free waited for the resolver");
	/* the detached thread finishes its call and frees itself */
	fake_release();
	cr_assert(fake_wait(&fake.returned, 1));
	engine_diag_free(d);
}

Test(resolver, idle_thread_stops_at_once)
{
	struct engine_diag *d = engine_diag_new();
	struct engine *e;
	uint64_t t0;

	fake_set(ADDR_A, 0);
	e = load(1, 60000, d);
	wait_passes_total(e, 1);
	t0 = now_ms();
	engine_free(e); /* the thread waits 60 s for its next pass */
	cr_assert_lt(now_ms() - t0, PROMPT_MS, "engine_free waited for the refresh period");
	engine_diag_free(d);
}

Test(resolver, validation_resolves_while_compiling)
{
	struct engine_diag *d = engine_diag_new();
	struct engine *e;

	fake_set(ADDR_A, 0);
	e = load(0, 5, d);
	cr_assert_eq(fake.calls, 1);
	cr_assert_eq(engine_dns_passes(e), 0); /* no thread */
	cr_assert_eq(fires(e, ADDR_A), 1);
	fake_set(ADDR_B, 0);
	usleep(20000);
	cr_assert_eq(fires(e, ADDR_A), 1); /* never refreshed */
	cr_assert_eq(fake.calls, 1);
	engine_free(e);
	engine_diag_free(d);

	d = engine_diag_new();
	fake_set(NULL, 0);
	e = load(0, 5, d);
	cr_assert(engine_diag_contains(d, NAME "' does not resolve"));
	cr_assert_eq(fires(e, ADDR_A), 0);
	engine_free(e);
	engine_diag_free(d);
}

Test(resolver, replay_resolves_at_the_first_use_once)
{
	struct engine_diag *d = engine_diag_new();
	struct engine *e;

	fake_set(ADDR_A, 0);
	fake.calls = 0;
	e = load(LAZY, 5, d);
	cr_assert_eq(fake.calls, 0, "resolved while compiling");
	cr_assert_eq(engine_dns_passes(e), 0); /* no thread */
	/* an open: the rule's evt.type = connect turns it away before the check */
	cr_assert_eq(fires_on(e, "openat", ADDR_A), 0);
	cr_assert_eq(fake.calls, 0, "resolved for an event that never reaches the check");
	cr_assert_eq(fires(e, ADDR_A), 1);
	cr_assert_eq(fake.calls, 1);
	fake_set(ADDR_B, 0);
	cr_assert_eq(fires(e, ADDR_A), 1); /* the first answer holds */
	cr_assert_eq(fires(e, ADDR_B), 0);
	cr_assert_eq(fake.calls, 1);
	cr_assert_not(engine_diag_contains(d, "does not resolve"));
	engine_free(e);
	engine_diag_free(d);

	/* a name that does not resolve: asked once, matches nothing */
	d = engine_diag_new();
	fake_set(NULL, 0);
	fake.calls = 0;
	e = load(LAZY, 5, d);
	cr_assert_eq(fires(e, ADDR_A), 0);
	cr_assert_eq(fires(e, ADDR_B), 0);
	cr_assert_eq(fake.calls, 1);
	engine_free(e);
	engine_diag_free(d);
}
