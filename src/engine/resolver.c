/*
 * resolver.c — host names written in rule conditions (fd.sip.name = NAME).
 * The default resolve hook (getaddrinfo), and, live, the engine's resolver
 * thread: it resolves every name right after engine_compile() and again
 * every ENGINE_DNS_REFRESH_S, and publishes each check's addresses, which
 * eval.c reads through resolver_has(). Replay resolves while compiling
 * instead (compile_check.c), so a replay stays deterministic.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "engine/ccomp.h"
#include "util/log.h"

/* One host-name check: its names (copied) and their current addresses. */
struct rslot {
	char **names;
	int nnames;
	unsigned char *warned; /* per name: its failure was logged */
	struct engine_addr addrs[ENGINE_MAX_NAME_ADDRS];
	int naddrs;
};

/*
 * Why a mutex: the evaluator (event-loop thread) reads a slot's addresses
 * while the resolver replaces them. An atomically swapped pointer would
 * make the read lock-free, but the old array could be freed only once no
 * reader can still hold it (RCU or hazard pointers: machinery out of
 * proportion for a handful of names). The mutex is taken only by
 * host-name checks (one rule of the upstream set), uncontended but for a
 * copy of at most ENGINE_MAX_NAME_ADDRS addresses once a refresh: the
 * resolver never holds it while resolving, so the event loop never waits
 * on DNS. It also guards the thread's control state (stop, busy, orphan,
 * passes).
 *
 * The thread owns copies of everything it uses (names, hook, slots), so
 * that resolver_stop() can leave a slow getaddrinfo() to finish in a
 * detached thread, which then frees the resolver itself (orphan).
 */
struct eresolver {
	pthread_mutex_t mu;
	pthread_cond_t cv; /* signalled when stop is set */
	pthread_t thread;
	int running; /* a thread was started */
	int stop;    /* resolver_stop() was called */
	int busy;    /* the thread is in the resolve hook */
	int orphan;  /* stopped while busy: the thread frees r */
	uint64_t passes;
	engine_resolve_fn fn;
	void *arg;
	unsigned refresh_ms;
	int nslots;
	struct rslot *slots;
};

/* Appends a to v[0..n) unless it is there; returns the new count. */
static int addr_add(struct engine_addr *v, int n, int max, const struct engine_addr *a)
{
	for (int i = 0; i < n; i++)
		if (v[i].family == a->family && memcmp(v[i].addr, a->addr, sizeof(a->addr)) == 0)
			return n;
	if (n < max)
		v[n++] = *a;
	return n;
}

int resolver_getaddrinfo(void *arg, const char *name, struct engine_addr *out, int max)
{
	/* one socket type, or each address comes back once per type */
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *res, *ai;
	int n = 0;

	(void)arg;
	if (getaddrinfo(name, NULL, &hints, &res) != 0)
		return -1;
	for (ai = res; ai; ai = ai->ai_next) {
		struct engine_addr a = {.family = ai->ai_family};
		if (ai->ai_family == AF_INET)
			memcpy(a.addr, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, 4);
		else if (ai->ai_family == AF_INET6)
			memcpy(a.addr, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, 16);
		else
			continue;
		n = addr_add(out, n, max, &a);
	}
	freeaddrinfo(res);
	return n;
}

void engine_set_resolver(struct engine *e, engine_resolve_fn fn, void *arg)
{
	e->resolve = fn;
	e->resolve_arg = arg;
}

void engine_set_dns_refresh_ms(struct engine *e, unsigned ms)
{
	e->dns_refresh_ms = ms;
}

uint64_t engine_dns_passes(struct engine *e)
{
	struct eresolver *r = e->resolver;
	uint64_t n;

	if (!r)
		return 0;
	pthread_mutex_lock(&r->mu);
	n = r->passes;
	pthread_mutex_unlock(&r->mu);
	return n;
}

static void resolver_destroy(struct eresolver *r)
{
	for (int i = 0; i < r->nslots; i++) {
		for (int j = 0; j < r->slots[i].nnames; j++)
			free(r->slots[i].names[j]);
		free(r->slots[i].names);
		free(r->slots[i].warned);
	}
	free(r->slots);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

/* One name through the hook, marked busy; -1 when stopped (before or
 * during the call: its answer is then dropped). */
static int resolve_one(struct eresolver *r, const char *name, struct engine_addr *out, int *n)
{
	int stopped;

	pthread_mutex_lock(&r->mu);
	stopped = r->stop;
	r->busy = !stopped;
	pthread_mutex_unlock(&r->mu);
	if (stopped)
		return -1;
	*n = r->fn(r->arg, name, out, ENGINE_MAX_NAME_ADDRS);
	pthread_mutex_lock(&r->mu);
	r->busy = 0;
	stopped = r->stop;
	pthread_mutex_unlock(&r->mu);
	return stopped ? -1 : 0;
}

/* Resolves the names of s and publishes their addresses (a name that
 * does not resolve adds none: Falco's refresh starts from an empty set
 * too). Its first failure is logged. -1 when stopped. */
static int resolve_slot(struct eresolver *r, struct rslot *s)
{
	struct engine_addr got[ENGINE_MAX_NAME_ADDRS], one[ENGINE_MAX_NAME_ADDRS];
	int ngot = 0, n;

	for (int i = 0; i < s->nnames; i++) {
		if (resolve_one(r, s->names[i], one, &n) < 0)
			return -1;
		if (n < 0 && !s->warned[i]) {
			s->warned[i] = 1;
			log_warnx("host name '%s' of a rule condition does not resolve: it matches "
			          "nothing until it does (tried again every %g s)",
			          s->names[i], r->refresh_ms / 1000.0);
		}
		for (int j = 0; j < n; j++)
			ngot = addr_add(got, ngot, ENGINE_MAX_NAME_ADDRS, &one[j]);
	}
	pthread_mutex_lock(&r->mu);
	memcpy(s->addrs, got, (size_t)ngot * sizeof(*got));
	s->naddrs = ngot;
	pthread_mutex_unlock(&r->mu);
	return 0;
}

/* Every slot once, then the pass is counted; -1 when stopped. */
static int resolver_pass(struct eresolver *r)
{
	for (int i = 0; i < r->nslots; i++)
		if (resolve_slot(r, &r->slots[i]) < 0)
			return -1;
	pthread_mutex_lock(&r->mu);
	r->passes++;
	pthread_mutex_unlock(&r->mu);
	return 0;
}

/* Waits refresh_ms or until stopped (a timed condition wait, so that a
 * reload's resolver_stop() is answered at once); 1 when stopped. */
static int resolver_wait(struct eresolver *r)
{
	struct timespec until;
	int stopped;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += r->refresh_ms / 1000;
	until.tv_nsec += (long)(r->refresh_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&r->mu);
	while (!r->stop && pthread_cond_timedwait(&r->cv, &r->mu, &until) != ETIMEDOUT)
		;
	stopped = r->stop;
	pthread_mutex_unlock(&r->mu);
	return stopped;
}

static void *resolver_main(void *arg)
{
	struct eresolver *r = arg;
	int orphan;

	while (resolver_pass(r) == 0 && !resolver_wait(r))
		;
	pthread_mutex_lock(&r->mu);
	orphan = r->orphan;
	pthread_mutex_unlock(&r->mu);
	if (orphan)
		resolver_destroy(r);
	return NULL;
}

/* The resolver of e's host-name checks, names copied; NULL when out of
 * memory. */
static struct eresolver *resolver_new(struct engine *e)
{
	struct eresolver *r = calloc(1, sizeof(*r));
	pthread_condattr_t ca;

	if (!r || !(r->slots = calloc(e->hostchecks.n, sizeof(*r->slots)))) {
		free(r);
		return NULL;
	}
	pthread_mutex_init(&r->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cv, &ca);
	pthread_condattr_destroy(&ca);
	r->fn = e->resolve ? e->resolve : resolver_getaddrinfo;
	r->arg = e->resolve ? e->resolve_arg : NULL;
	r->refresh_ms = e->dns_refresh_ms ? e->dns_refresh_ms : ENGINE_DNS_REFRESH_S * 1000u;
	r->nslots = (int)e->hostchecks.n;
	for (int i = 0; i < r->nslots; i++) {
		const struct echeck *k = e->hostchecks.v[i];
		struct rslot *s = &r->slots[i];
		s->names = calloc((size_t)k->hnames + 1, sizeof(*s->names));
		s->warned = calloc((size_t)k->hnames + 1, 1);
		if (!s->names || !s->warned)
			goto oom;
		for (; s->nnames < k->hnames; s->nnames++)
			if (!(s->names[s->nnames] = strdup(k->vals[s->nnames])))
				goto oom;
	}
	return r;
oom:
	resolver_destroy(r);
	return NULL;
}

void resolver_start(struct engine *e)
{
	struct eresolver *r;
	int rc;

	if (!e->live || e->hostchecks.n == 0 || e->resolver)
		return;
	if (!(r = resolver_new(e))) {
		log_warnx("out of memory for the host-name resolver: host names of rule "
		          "conditions match nothing");
		return;
	}
	for (size_t i = 0; i < e->hostchecks.n; i++) {
		struct echeck *k = e->hostchecks.v[i];
		k->hres = r;
		k->hslot = (int)i;
	}
	e->resolver = r;
	/* every signal blocked in the thread (it inherits the mask): the
	 * daemon takes SIGTERM, SIGHUP ... through a signalfd in the event
	 * loop, and a signal delivered here would get its default action,
	 * killing kestrel without its cleanup */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&r->thread, NULL, resolver_main, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	r->running = rc == 0;
	if (rc != 0) {
		log_warnx("host-name resolver thread: %s; host names of rule conditions are "
		          "resolved now and not refreshed",
		          strerror(rc));
		resolver_pass(r);
	}
}

void resolver_stop(struct engine *e)
{
	struct eresolver *r = e->resolver;
	int orphan;

	if (!r)
		return;
	e->resolver = NULL;
	if (!r->running) {
		resolver_destroy(r);
		return;
	}
	pthread_mutex_lock(&r->mu);
	r->stop = 1;
	r->orphan = orphan = r->busy;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	if (orphan) {
		pthread_detach(r->thread);
		return;
	}
	pthread_join(r->thread, NULL);
	resolver_destroy(r);
}

int resolver_has(struct eresolver *r, int slot, int fam, const unsigned char *addr)
{
	const struct rslot *s = &r->slots[slot];
	size_t len = fam == AF_INET ? 4 : 16;
	int hit = 0;

	pthread_mutex_lock(&r->mu);
	for (int i = 0; i < s->naddrs && !hit; i++)
		hit = s->addrs[i].family == fam && memcmp(s->addrs[i].addr, addr, len) == 0;
	pthread_mutex_unlock(&r->mu);
	return hit;
}
