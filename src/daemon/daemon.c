/*
 * daemon.c — the live event loop. One thread: epoll over the audit data
 * socket, a signalfd and a timerfd. Records go straight from the socket
 * into the pipeline (parse, assemble, normalize, process table, rules,
 * outputs); the timer flushes idle events, polls the kernel's lost counter
 * and reports stats. Kernel rules are derived from the loaded ruleset and
 * removed on exit.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "kernel/kaudit.h"
#include "engine/kfilter.h"
#include "kernel/kns.h"
#include "kernel/krules.h"
#include "source/netlink.h"
#include "kernel/crashstate.h"
#include "daemon/daemon.h"
#include "daemon/privs.h"
#include "output/output.h"
#include "util/log.h"

/* Timer period: assembler flush granularity and the clock of the slower jobs. */
#define DAEMON_TICK_MS 250
/* How often the kernel's lost/backlog counters are read. */
#define DAEMON_LOST_POLL_MS 5000
/* Upper bound on the syscall names the ruleset may ask for. */
#define DAEMON_MAX_SYSCALLS 512
/* Epoll events handled per wakeup. */
#define DAEMON_MAX_EVENTS 8
/* Error message room. */
#define DAEMON_ERRLEN 512

/*
 * Wake-up coalescing. In an exec storm each wake-up used to handle only
 * 9-14 records and about a third of kestrel's CPU went to waking up
 * (epoll_wait, context switches, small recvmmsg batches). When a read
 * found records and the previous wake-up was less than COALESCE_GAP_US
 * ago, the loop sleeps COALESCE_US before waiting again, so the next read
 * finds a larger batch. Alert latency grows by at most COALESCE_US, and
 * only under load: an idle host's wake-ups are further apart than the gap
 * and are never delayed. The socket buffer (audit.buffer_size) holds
 * thousands of records, far more than a millisecond of a storm.
 */
#define DAEMON_COALESCE_GAP_US 2000
#define DAEMON_COALESCE_US 1000

/* audit.backpressure: block makes exec'ing processes wait this long (kernel
 * ticks) for room in a full backlog, as auditd's default rules do. */
#define DAEMON_BLOCK_WAIT_TIME 60000

/* Name of kestrel's own alert when the kernel or the socket lost records. */
#define DAEMON_LOST_RULE "Kestrel events lost"

struct daemon {
	const struct daemon_opts *opts;
	struct runtime *rt;
	struct krules *kr;
	struct kns *kns; /* container namespaces' copies of the path rules */
	struct audit_source *src;
	int epfd, sigfd, timerfd;
	uint64_t start_ms, last_lost_poll_ms, last_stats_ms;
	uint64_t last_wake_us; /* previous wake-up that read records (coalescing) */
	int rules_removed; /* a CONFIG_CHANGE record removed kestrel's kernel rules:
			    * check them on the next tick */
	uint32_t last_lost;
	int have_lost;
	uint64_t last_enobufs;
	uint64_t kernel_lost_total;
	int crashstate; /* the crash-state file is ours to remove */
	int stop;
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void notify(const char *state)
{
#ifdef HAVE_SYSTEMD
	sd_notify(0, state);
#else
	(void)state;
#endif
}

int daemon_load_config(const struct daemon_opts *o, struct kestrel_config *cfg, int replay,
		       char *err, size_t errlen)
{
	char e[CONFIG_ERR_MAX];

	if (config_init(cfg) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (o->config_path && config_load(o->config_path, cfg, NULL, e, sizeof(e)) < 0) {
		snprintf(err, errlen, "%s", e);
		return -1;
	}
	if (replay) {
		/* a replay prints its alerts; it does not write to this
		 * machine's logs unless an -o option says so */
		cfg->out.stdout_enabled = 1;
		cfg->out.syslog_enabled = 0;
		cfg->out.journal_enabled = 0;
		/* a replay runs faster than real time: no rate limit */
		cfg->out.rate = 0;
	}
	for (int i = 0; i < o->nrules_paths; i++) {
		if (config_set(cfg, i == 0 ? "rules_files" : "rules_files[]", o->rules_paths[i], e,
			       sizeof(e)) < 0) {
			snprintf(err, errlen, "-r %s: %s", o->rules_paths[i], e);
			return -1;
		}
	}
	for (int i = 0; i < o->noverrides; i++) {
		if (config_set_option(cfg, o->overrides[i], e, sizeof(e)) < 0) {
			snprintf(err, errlen, "%s", e); /* names the option itself */
			return -1;
		}
	}
	return 0;
}

/* Adds one kfilter term to kr: its syscalls this machine knows, its fields. */
static void add_kfilter_term(struct krules *kr, const struct kf_term *t,
			     char (*fp)[KFILTER_FIELD_TEXT])
{
	const char *names[DAEMON_MAX_SYSCALLS], *fields[KFILTER_MAX_FIELDS];
	char e2[DAEMON_ERRLEN];
	size_t k = 0;
	int nf = kfilter_term_fieldpairs(t, fp, KFILTER_MAX_FIELDS);

	/* a syscall this kernel does not know (a rule written for another
	 * arch) is reported and skipped, not fatal */
	for (size_t i = 0; i < t->nsys && k < DAEMON_MAX_SYSCALLS; i++) {
		if (krules_syscall_known(kr, t->sys[i]))
			names[k++] = t->sys[i];
		else
			log_warnx("kernel rules: unknown syscall '%s'", t->sys[i]);
	}
	for (int i = 0; i < nf; i++)
		fields[i] = fp[i];
	if (k > 0 && nf >= 0 &&
	    krules_add_term(kr, names, k, fields, nf, t->ns_bound, t->rules, t->nrules, e2,
			    sizeof(e2)) < 0)
		log_warnx("%s", e2);
}

struct krules *daemon_krules_from_engine(struct engine *e, int precise, pid_t exclude_pid,
					 char *err, size_t errlen)
{
	struct kfilter_set *set = NULL;
	struct krules *kr = krules_new(exclude_pid);
	char (*fp)[KFILTER_FIELD_TEXT] = malloc(KFILTER_MAX_FIELDS * sizeof(*fp));
	unsigned needs = KRULES_PROC_EXEC;

	if (!kr || !fp) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (kfilter_build(e, precise, &set, err, errlen) < 0)
		goto fail;
	for (size_t i = 0; i < kfilter_count(set); i++) {
		const struct kf_term *t = kfilter_term(set, i);
		add_kfilter_term(kr, t, fp);
		if (t->ns_bound)
			needs |= KRULES_PROC_NS; /* containers' own copies: kns.h */
	}
	krules_add_proc_needs(kr, needs);
	kfilter_free(set);
	free(fp);
	return kr;
fail:
	kfilter_free(set);
	free(fp);
	krules_free(kr);
	return NULL;
}

static void on_record(int type, const char *text, size_t len, void *arg)
{
	struct daemon *d = arg;

	/* per record, not per event: the kernel attaches the remover's SYSCALL
	 * record (auditctl's sendto) to the CONFIG_CHANGE, and the event then
	 * reads as a syscall event */
	if (type == AUDIT_CONFIG_CHANGE && krules_config_change_is_removal(text, len))
		d->rules_removed = 1;
	if (d->kns)
		kns_on_record(d->kns, type, text, len);
	pipeline_feed(runtime_pipeline(d->rt), type, text, len, now_ms(), "netlink", 0);
}

/* kestrel's own alert, so a reader of the alert stream sees the gap. */
static void emit_lost_alert(struct daemon *d, const char *what, uint64_t n)
{
	char out[256];
	struct alert a = {0};
	static const char *const tags[] = {"kestrel", "internal"};
	struct alert_field f[2];

	snprintf(out, sizeof(out), "%s: %" PRIu64 " audit records were lost (%s)",
		 DAEMON_LOST_RULE, n, what);
	f[0] = (struct alert_field){.name = "kestrel.lost", .type = AV_INT, .num = (int64_t)n};
	f[1] = (struct alert_field){.name = "kestrel.lost_source", .type = AV_STRING, .str = what};
	a.time_ns = wall_ns();
	a.rule = DAEMON_LOST_RULE;
	a.priority = PRI_CRITICAL;
	a.source = "internal";
	a.ntags = 2;
	a.tags = tags;
	a.output = out;
	a.nfields = 2;
	a.fields = f;
	outputs_emit(runtime_outputs(d->rt), &a);
}

static void poll_lost(struct daemon *d)
{
	struct audit_status st;
	const struct audit_source_stats *ss = d->src ? audit_source_stats(d->src) : NULL;

	if (kaudit_status(&st) == 0) {
		if (d->have_lost && st.lost != d->last_lost) {
			uint32_t delta = st.lost - d->last_lost;
			d->kernel_lost_total += delta;
			log_warnx("the kernel lost %" PRIu32 " audit records (lost=%" PRIu32
				  ", backlog=%" PRIu32 "/%" PRIu32 ")",
				  delta, st.lost, st.backlog, st.backlog_limit);
			emit_lost_alert(d, "kernel backlog", delta);
		}
		d->last_lost = st.lost;
		d->have_lost = 1;
	}
	if (ss && ss->enobufs != d->last_enobufs) {
		uint64_t delta = ss->enobufs - d->last_enobufs;
		log_warnx("the audit socket overflowed %" PRIu64 " times (ENOBUFS)", delta);
		emit_lost_alert(d, "socket overflow (ENOBUFS)", delta);
		d->last_enobufs = ss->enobufs;
	}
}

static void log_stats(struct daemon *d, const char *when)
{
	const struct audit_source_stats *ss = d->src ? audit_source_stats(d->src) : NULL;
	struct runtime_stats rs;
	const struct pipeline_stats *ps = &rs.pipe;
	struct outputs_stats os;
	double secs = (double)(now_ms() - d->start_ms) / 1000.0;

	runtime_get_stats(d->rt, &rs);
	outputs_stats(runtime_outputs(d->rt), &os);
	if (secs <= 0)
		secs = 1e-3;
	log_info("stats (%s): %.0f s, records=%" PRIu64 " (%.0f/s) events=%" PRIu64
		 " (%.0f/s) incomplete=%" PRIu64 " malformed=%" PRIu64 " alerts=%" PRIu64
		 " suppressed=%" PRIu64 " kernel_lost=%" PRIu64 " enobufs=%" PRIu64
		 " write_errors=%" PRIu64 " http_failed=%" PRIu64 " http_dropped=%" PRIu64
		 " processes=%zu rules_active=%zu",
		 when, secs, ps->records, (double)ps->records / secs, ps->events,
		 (double)ps->events / secs, ps->incomplete, ps->malformed, rs.alerts,
		 os.suppressed, d->kernel_lost_total, ss ? ss->enobufs : 0, os.write_errors,
		 os.http_failed, os.http_dropped, rs.processes, rs.rules_active);
#ifdef HAVE_SYSTEMD
	sd_notifyf(0, "STATUS=%.0f events/s, %" PRIu64 " alerts", (double)ps->events / secs,
		   rs.alerts);
#endif
}

/* Refuses configuration and rules files a non-root user could change. */
static int check_trusted_files(const struct daemon_opts *o, const struct kestrel_config *cfg,
			       char *err, size_t errlen)
{
	if (o->config_path && privs_check_path(o->config_path, err, errlen) < 0)
		return -1;
	return privs_check_paths((const char *const *)cfg->rules_files, (size_t)cfg->nrules_files,
				 err, errlen);
}

/* audit.backpressure as a kernel backlog_wait_time; an explicit
 * audit.backlog_wait_time wins. drop: 0, a full backlog loses records (the
 * kernel counts them, kestrel reports them); block: processes wait for
 * kestrel, nothing is lost unless it stalls longer than the wait. */
static long backlog_wait_time(const struct kestrel_config *cfg)
{
	if (cfg->audit_backlog_wait_time != KRULES_UNSET)
		return cfg->audit_backlog_wait_time;
	return cfg->audit_backpressure == CONFIG_BP_BLOCK ? DAEMON_BLOCK_WAIT_TIME : 0;
}

static void reload(struct daemon *d)
{
	struct kestrel_config cfg;
	char err[DAEMON_ERRLEN];
	struct engine *e;

	notify("RELOADING=1");
	log_info("SIGHUP: reloading configuration and rules");
	if (daemon_load_config(d->opts, &cfg, 0, err, sizeof(err)) < 0) {
		log_warnx("reload: %s; keeping the running configuration and rules", err);
		config_free(&cfg);
		goto out;
	}
	if (check_trusted_files(d->opts, &cfg, err, sizeof(err)) < 0) {
		log_warnx("reload: %s; keeping the running configuration and rules", err);
		config_free(&cfg);
		goto out;
	}
	e = runtime_build_engine(&cfg, 1);
	config_free(&cfg);
	if (!e) {
		log_warnx("reload: the new rules have errors (above); keeping the running rules");
		goto out;
	}
	runtime_swap_engine(d->rt, e);
	if (!d->opts->audisp && d->kr) {
		/* new kernel rules go in before the old ones come out, and the
		 * audit settings saved at start carry over */
		struct krules *kr = daemon_krules_from_engine(
		    e, runtime_config(d->rt)->audit_kernel_filters == CONFIG_KF_PRECISE, getpid(),
		    err, sizeof(err));
		if (kr && krules_reload(d->kr, kr, err, sizeof(err)) == 0) {
			if (d->kns)
				kns_reload(d->kns, kr);
			krules_free(d->kr);
			d->kr = kr;
		} else {
			log_warnx("reload: kernel rules: %s; keeping the previous kernel rules", err);
			krules_free(kr);
		}
	}
	log_info("reload: %zu rules active", engine_active_count(e));
out:
	outputs_reopen(runtime_outputs(d->rt));
	notify("READY=1");
}

static void on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;
	while (read(d->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_info("signal %u: exiting", si.ssi_signo);
			d->stop = 1;
			break;
		case SIGHUP:
			reload(d);
			break;
		case SIGUSR1:
			log_stats(d, "SIGUSR1");
			break;
		default:
			break;
		}
	}
}

static void on_tick(struct daemon *d)
{
	uint64_t expirations;
	uint64_t t = now_ms();

	if (read(d->timerfd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		log_warn("timerfd");
	runtime_tick(d->rt, t);
	if (d->rules_removed && d->kr) {
		d->rules_removed = 0;
		int n = krules_check_and_restore(d->kr);
		if (n > 0)
			log_warnx("%d kestrel kernel rules had been removed by someone else: re-added",
				  n);
		if (d->kns)
			kns_restore(d->kns);
	}
	if (d->kns)
		kns_tick(d->kns, t);
	if (t - d->last_lost_poll_ms >= DAEMON_LOST_POLL_MS) {
		d->last_lost_poll_ms = t;
		poll_lost(d);
		outputs_tick(runtime_outputs(d->rt));
	}
	const struct kestrel_config *cfg = runtime_config(d->rt);
	if (cfg->stats_interval > 0 && t - d->last_stats_ms >= (uint64_t)cfg->stats_interval * 1000) {
		d->last_stats_ms = t;
		log_stats(d, "interval");
	}
	if (d->opts->run_seconds > 0 && t - d->start_ms >= (uint64_t)d->opts->run_seconds * 1000) {
		log_info("-M %ld: time is up", d->opts->run_seconds);
		d->stop = 1;
	}
}

static int add_fd(int epfd, int fd)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

static int setup_loop(struct daemon *d, char *err, size_t errlen)
{
	sigset_t mask;
	struct itimerspec its = {
		.it_interval = {0, DAEMON_TICK_MS * 1000000L},
		.it_value = {0, DAEMON_TICK_MS * 1000000L},
	};

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		goto fail;
	d->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	d->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->sigfd < 0 || d->timerfd < 0 || d->epfd < 0)
		goto fail;
	if (timerfd_settime(d->timerfd, 0, &its, NULL) < 0)
		goto fail;
	if (add_fd(d->epfd, d->sigfd) < 0 || add_fd(d->epfd, d->timerfd) < 0 ||
	    add_fd(d->epfd, audit_source_fd(d->src)) < 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "event loop setup: %s", strerror(errno));
	return -1;
}

/* After a read of got records: in a storm, let the next batch gather
 * (see DAEMON_COALESCE_US). */
static void coalesce(struct daemon *d, int got)
{
	uint64_t t;

	if (got <= 0)
		return;
	t = now_us();
	if (t - d->last_wake_us < DAEMON_COALESCE_GAP_US) {
		struct timespec ts = {0, DAEMON_COALESCE_US * 1000L};
		nanosleep(&ts, NULL);
	}
	d->last_wake_us = t;
}

/* The audit source is readable: records into the pipeline. */
static void on_source(struct daemon *d)
{
	int got = audit_source_read(d->src, on_record, d);

	if (got < 0) {
		log_warn("audit source");
		d->stop = 1;
	} else if (runtime_print_events(d->rt) && fflush(stdout) == EOF) {
		log_warn("--print-events: stdout");
		runtime_set_print_events(d->rt, 0);
	} else if (audit_source_eof(d->src)) {
		log_info("end of the audisp stream: exiting");
		d->stop = 1;
	} else {
		coalesce(d, got);
	}
}

static void loop(struct daemon *d)
{
	struct epoll_event evs[DAEMON_MAX_EVENTS];
	int srcfd = audit_source_fd(d->src);

	while (!d->stop) {
		int n = epoll_wait(d->epfd, evs, DAEMON_MAX_EVENTS, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_warn("epoll_wait");
			break;
		}
		for (int i = 0; i < n && !d->stop; i++) {
			int fd = evs[i].data.fd;
			if (fd == srcfd)
				on_source(d);
			else if (fd == d->sigfd)
				on_signal(d);
			else if (fd == d->timerfd)
				on_tick(d);
		}
	}
}

static enum audit_source_mode source_mode(const struct daemon *d)
{
	if (d->opts->audisp)
		return AUDIT_SRC_AUDISP;
	switch (runtime_config(d->rt)->audit_mode) {
	case CONFIG_AUDIT_UNICAST:
		return AUDIT_SRC_UNICAST;
	case CONFIG_AUDIT_MULTICAST:
		return AUDIT_SRC_MULTICAST;
	default:
		return AUDIT_SRC_AUTO;
	}
}

static void apply_log_config(const struct kestrel_config *cfg)
{
	log_init(cfg->log_stderr, cfg->log_syslog, (enum log_level)cfg->log_level);
}

/* Configuration, rules, runtime and the kernel rule set; nothing touches
 * the kernel yet. Returns 0 or -1 (logged). */
static int daemon_prepare(struct daemon *d)
{
	struct kestrel_config cfg;
	char err[DAEMON_ERRLEN];

	if (daemon_load_config(d->opts, &cfg, 0, err, sizeof(err)) < 0) {
		log_errx("%s", err);
		config_free(&cfg);
		return -1;
	}
	apply_log_config(&cfg);
	if (check_trusted_files(d->opts, &cfg, err, sizeof(err)) < 0) {
		log_errx("%s", err);
		config_free(&cfg);
		return -1;
	}
	if (!(d->rt = runtime_new(&cfg, 1, err, sizeof(err)))) {
		log_errx("%s", err);
		return -1;
	}
	runtime_set_print_events(d->rt, d->opts->print_events);
	if (!d->opts->audisp &&
	    !(d->kr = daemon_krules_from_engine(runtime_engine(d->rt),
						runtime_config(d->rt)->audit_kernel_filters ==
						    CONFIG_KF_PRECISE,
						getpid(), err, sizeof(err)))) {
		log_errx("%s", err);
		return -1;
	}
	log_info("%zu rules active, %zu kernel rules",
		 engine_active_count(runtime_engine(d->rt)), d->kr ? krules_count(d->kr) : (size_t)0);
	return 0;
}

/* Programs the kernel rules and audit settings for the source in use. */
static int install_krules(struct daemon *d)
{
	const struct kestrel_config *cfg = runtime_config(d->rt);
	char err[DAEMON_ERRLEN];
	struct krules_settings set = {
		.backlog_limit = cfg->audit_backlog_limit,
		/* beside auditd (multicast) its own policy stays in force */
		.backlog_wait_time = audit_source_mode(d->src) == AUDIT_SRC_UNICAST
					     ? backlog_wait_time(cfg)
					     : cfg->audit_backlog_wait_time,
		.rate_limit = cfg->audit_rate_limit,
	};
	int st = krules_install(d->kr, &set, err, sizeof(err));

	if (st < 0) {
		log_errx("kernel rules: %s", err);
		return -1;
	}
	if (st == KRULES_IMMUTABLE_INCOMPLETE)
		log_warnx("the audit configuration is locked (enabled 2) and does not audit "
			  "every syscall the rules need: some rules will not fire until reboot");
	if (st == KRULES_INSTALLED && (d->kns = kns_new(d->kr)) != NULL) {
		int n = kns_scan(d->kns);
		if (n > 0)
			log_info("kernel rules: %d container mount namespace(s) got their own "
				 "path rules",
				 n);
	}
	return 0;
}

/* Opens the audit source, installs the kernel rules and sets up the loop. */
static int daemon_open(struct daemon *d)
{
	char err[DAEMON_ERRLEN];
	struct audit_source_opts so = {
		.mode = source_mode(d),
		.rcvbuf = (int)runtime_config(d->rt)->audit_buffer_size,
		.input_fd = -1,
	};

	d->src = audit_source_open(&so, err, sizeof(err));
	if (!d->src) {
		log_errx("audit source: %s", err);
		return -1;
	}
	log_info("audit source: %s", audit_source_mode_name(audit_source_mode(d->src)));
	if (d->kr && install_krules(d) < 0)
		return -1;
	if (setup_loop(d, err, sizeof(err)) < 0) {
		log_errx("%s", err);
		return -1;
	}
	return 0;
}

/* The socket is open and the rules are in: keep only what the loop needs. */
static void drop_privileges(void)
{
	char err[DAEMON_ERRLEN];
	int pr = privs_drop(0, err, sizeof(err));

	if (pr < 0) {
		log_warnx("%s; running with all capabilities", err);
	} else if (pr == 0) {
		char *caps = privs_describe();
		log_info("capabilities: kept only %s", caps ? caps : "?");
		free(caps);
	}
}

/* Undoes everything daemon_prepare and daemon_open did, in reverse. */
static void daemon_cleanup(struct daemon *d)
{
	if (d->kns) {
		kns_uninstall(d->kns);
		kns_free(d->kns);
	}
	if (d->kr) {
		krules_uninstall(d->kr);
		krules_free(d->kr);
	}
	if (d->src)
		audit_source_close(d->src);
	if (d->crashstate)
		crashstate_end(CRASHSTATE_PATH);
	if (d->rt) {
		pipeline_flush(runtime_pipeline(d->rt));
		if (!d->opts->dry_run)
			log_stats(d, "exit");
	}
	runtime_free(d->rt);
	if (d->epfd >= 0)
		close(d->epfd);
	if (d->sigfd >= 0)
		close(d->sigfd);
	if (d->timerfd >= 0)
		close(d->timerfd);
}

int daemon_run(const struct daemon_opts *o)
{
	struct daemon d;
	int status = 1;

	memset(&d, 0, sizeof(d));
	d.opts = o;
	d.epfd = d.sigfd = d.timerfd = -1;
	d.start_ms = now_ms();
	if (daemon_prepare(&d) < 0)
		goto out;
	if (o->dry_run) {
		log_info("--dry-run: configuration and rules loaded; the kernel was not touched");
		status = 0;
		goto out;
	}
	if (!o->audisp)
		d.crashstate = crashstate_begin(CRASHSTATE_PATH) == 0;
	int scanned = runtime_scan_procs(d.rt);
	if (scanned < 0)
		log_warnx("could not scan /proc: the process table starts empty");
	if (daemon_open(&d) < 0)
		goto out;
	drop_privileges();
	poll_lost(&d);
	d.last_lost_poll_ms = d.last_stats_ms = now_ms();
	notify("READY=1");
	log_info("ready: %d processes in the table", scanned);
	loop(&d);
	poll_lost(&d); /* losses since the last poll are reported too */
	notify("STOPPING=1");
	status = 0;
out:
	daemon_cleanup(&d);
	return status;
}
