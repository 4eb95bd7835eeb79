/*
 * daemon.c — the live event loop. One thread: epoll over the audit data
 * socket, a signalfd and a timerfd. Records go straight from the socket
 * into the pipeline (parse, assemble, normalize, process table, rules,
 * outputs); the timer flushes idle events, polls the kernel's lost counter
 * and reports stats; every turn of the loop pings the systemd watchdog.
 * Kernel rules are derived from the loaded ruleset and removed on exit.
 * An auditd that asks for the audit pid gets it (yield_pid); the lost
 * counters, the stats line and /metrics are in daemon_stats.c.
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

#include "kernel/kaudit.h"
#include "engine/kfilter.h"
#include "kernel/kns.h"
#include "kernel/krules.h"
#include "source/netlink.h"
#include "kernel/crashstate.h"
#include "daemon/daemon.h"
#include "daemon/daemon_int.h"
#include "daemon/integrity.h"
#include "daemon/privs.h"
#include "daemon/service.h"
#include "output/output.h"
#include "util/log.h"
#include "util/clock.h"

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

/* After the audit daemon kestrel reads beside unregisters, kestrel takes
 * the audit pid over if no daemon registered within this many ms (an
 * auditd restart registers again well within it). */
#define DAEMON_RECLAIM_DELAY_MS 5000

/* audit.backpressure: block makes exec'ing processes wait this long (kernel
 * ticks) for room in a full backlog, as auditd's default rules do. */
#define DAEMON_BLOCK_WAIT_TIME 60000


static uint64_t now_us(void)
{
	return clock_monotonic_ns() / 1000;
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
	if (type == AUDIT_CONFIG_CHANGE) {
		if (krules_config_change_is_removal(text, len))
			d->rules_removed = 1;
		enum integrity_action act = INTEGRITY_NONE;
		if (d->ig)
			act = integrity_on_config_change(d->ig, runtime_outputs(d->rt), text, len,
							 daemon_now_ms());
		if (act == INTEGRITY_YIELD_PID)
			d->yield_pid = 1;
		else if (act == INTEGRITY_PID_FREED &&
			 runtime_config(d->rt)->audit_mode == CONFIG_AUDIT_AUTO)
			d->reclaim_at = daemon_now_ms() + DAEMON_RECLAIM_DELAY_MS;
	}
	if (d->kns)
		kns_on_record(d->kns, type, text, len);
	pipeline_feed(runtime_pipeline(d->rt), type, text, len, daemon_now_ms(), "netlink", 0);
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

/* SIGHUP. Returns what `kestrel --reload` reports to its caller. */
static enum service_reload_result reload(struct daemon *d)
{
	struct kestrel_config cfg;
	char err[DAEMON_ERRLEN];
	struct engine *e;
	enum service_reload_result r = SERVICE_RELOAD_REFUSED;

	service_notify("RELOADING=1");
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
	e = runtime_build_engine(&cfg, RUNTIME_ENGINE_LIVE);
	config_free(&cfg);
	if (!e) {
		log_warnx("reload: the new rules have errors (above); keeping the running rules");
		goto out;
	}
	runtime_swap_engine(d->rt, e);
	r = SERVICE_RELOAD_OK;
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
			r = SERVICE_RELOAD_PARTIAL;
		}
	}
	log_info("reload: %zu rules active", engine_active_count(e));
out:
	outputs_reopen(runtime_outputs(d->rt));
	service_notify("READY=1");
	return r;
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
			service_reload_reply(si.ssi_code, si.ssi_int, (pid_t)si.ssi_pid, reload(d));
			break;
		case SIGUSR1:
			/* logrotate: the files only, not the rules (as Falco);
			 * the stats line stays, as before SIGUSR2 existed */
			log_info("SIGUSR1: reopening the output files");
			outputs_reopen(runtime_outputs(d->rt));
			daemon_log_stats(d, "SIGUSR1");
			break;
		case SIGUSR2:
			daemon_log_stats(d, "SIGUSR2");
			break;
		default:
			break;
		}
	}
}

static void reclaim_pid(struct daemon *d);

static void on_tick(struct daemon *d)
{
	uint64_t expirations;
	uint64_t t = daemon_now_ms();

	if (read(d->timerfd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		log_warn("timerfd");
	runtime_tick(d->rt, t);
	if (d->rules_removed && d->kr) {
		d->rules_removed = 0;
		int n = krules_check_and_restore(d->kr);
		if (n > 0) {
			log_warnx("%d kestrel kernel rules had been removed by someone else: re-added",
				  n);
			d->rules_restored += (uint64_t)n;
			if (d->ig)
				integrity_rules_missing(d->ig, runtime_outputs(d->rt), n, t);
		}
		if (d->kns)
			kns_restore(d->kns);
	}
	if (d->kns)
		kns_tick(d->kns, t);
	if (d->reclaim_at && t >= d->reclaim_at)
		reclaim_pid(d);
	if (t - d->last_lost_poll_ms >= DAEMON_LOST_POLL_MS) {
		d->last_lost_poll_ms = t;
		daemon_poll_lost(d);
		outputs_tick(runtime_outputs(d->rt));
	}
	const struct kestrel_config *cfg = runtime_config(d->rt);
	if (cfg->stats_interval > 0 && t - d->last_stats_ms >= (uint64_t)cfg->stats_interval * 1000) {
		d->last_stats_ms = t;
		daemon_log_stats(d, "interval");
	}
	if (d->opts->run_seconds > 0 && t - d->start_ms >= (uint64_t)d->opts->run_seconds * 1000) {
		log_info("-M %ld: time is up", d->opts->run_seconds);
		d->stop = 1;
	}
	daemon_publish(d);
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
	sigaddset(&mask, SIGUSR2);
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

/* Another process (auditd, started after kestrel) asked for the audit
 * pid: kestrel lets go of it and reads the multicast copy instead, so the
 * other daemon's next attempt (its service manager restarts it) succeeds. */
static void yield_pid(struct daemon *d)
{
	char err[DAEMON_ERRLEN];
	int oldfd = audit_source_fd(d->src);

	d->yield_pid = 0;
	if (audit_source_mode(d->src) != AUDIT_SRC_UNICAST)
		return;
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, oldfd, NULL);
	if (audit_source_yield(d->src, on_record, d, err, sizeof(err)) < 0)
		log_warnx("audit pid hand-over: %s; keeping it", err);
	else
		log_info("audit pid handed over: reading the multicast group beside the new "
			 "audit daemon");
	if (add_fd(d->epfd, audit_source_fd(d->src)) < 0)
		log_warn("epoll: the audit source");
}

/* The audit daemon kestrel read beside stopped and none registered since:
 * kestrel registers (unicast), so records are not left to the kernel's
 * printk and hold queue; a later auditd gets the pid back (yield_pid). */
static void reclaim_pid(struct daemon *d)
{
	char err[DAEMON_ERRLEN];
	int oldfd = audit_source_fd(d->src);
	struct audit_status st;

	d->reclaim_at = 0;
	if (audit_source_mode(d->src) != AUDIT_SRC_MULTICAST || kaudit_status(&st) < 0 ||
	    st.pid != 0)
		return;
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, oldfd, NULL);
	if (audit_source_reclaim(d->src, on_record, d, err, sizeof(err)) < 0)
		log_warnx("audit pid: %s; staying on the multicast group", err);
	else
		log_info("the audit daemon is gone: kestrel registered as the audit daemon "
			 "(unicast)");
	if (add_fd(d->epfd, audit_source_fd(d->src)) < 0)
		log_warn("epoll: the audit source");
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
	if (d->yield_pid)
		yield_pid(d);
}

static void loop(struct daemon *d)
{
	struct epoll_event evs[DAEMON_MAX_EVENTS];

	while (!d->stop) {
		int srcfd = audit_source_fd(d->src); /* changes on a hand-over */
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
		/* after every turn of the loop, not only on the timer: a storm
		 * that keeps the socket busy is a working loop */
		service_watchdog_tick(daemon_now_ms());
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
	int to_stderr = cfg->log_stderr;

	/* under systemd stderr is the journal, and so is syslog: once is enough */
	if (to_stderr && cfg->log_syslog && service_stderr_is_journal())
		to_stderr = 0;
	log_init(to_stderr, cfg->log_syslog, (enum log_level)cfg->log_level);
}

/* Configuration, rules, runtime and the kernel rule set; nothing touches
 * the kernel yet. Returns 0, -2 for a configuration or rules error,
 * a config or rules file others may change included (SERVICE_EXIT_CONFIG:
 * restarting will not fix it) or -1 (logged). */
static int daemon_prepare(struct daemon *d)
{
	struct kestrel_config cfg;
	char err[DAEMON_ERRLEN];

	if (daemon_load_config(d->opts, &cfg, 0, err, sizeof(err)) < 0) {
		log_errx("%s", err);
		config_free(&cfg);
		return -2;
	}
	apply_log_config(&cfg);
	if (check_trusted_files(d->opts, &cfg, err, sizeof(err)) < 0) {
		/* a file others may change is a configuration error: fixing
		 * its mode, not restarting, is the cure */
		log_errx("%s", err);
		config_free(&cfg);
		return -2;
	}
	/* the /proc scan overlaps the rules' loading and the kernel set-up
	 * (joined in daemon_run before ready); --dry-run does not scan.
	 * WINDOW: a process that execs after the scan read it and before the
	 * exec rule is in keeps its old identity until its next exec, as it
	 * did when the scan ran just before the audit socket opened; the
	 * window is now the load's few ms longer. */
	if (!(d->rt = runtime_new(&cfg, d->opts->dry_run ? RUNTIME_LIVE : RUNTIME_LIVE_SCAN, err,
				  sizeof(err)))) {
		log_errx("%s", err);
		return -2; /* rules with errors, an output that cannot be set up */
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
	daemon_web_stop(d);
	integrity_free(d->ig);
	if (d->rt) {
		pipeline_flush(runtime_pipeline(d->rt));
		if (!d->opts->dry_run)
			daemon_log_stats(d, "exit");
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
	d.start_ms = daemon_now_ms();
	d.start_wall_s = daemon_wall_ns() / 1000000000ull;
	d.backlog = d.backlog_limit = d.audit_enabled = -1;
	int prep = daemon_prepare(&d);
	if (prep < 0) {
		if (prep == -2)
			status = SERVICE_EXIT_CONFIG;
		goto out;
	}
	if (o->dry_run) {
		log_info("--dry-run: configuration and rules loaded; the kernel was not touched");
		status = 0;
		goto out;
	}
	if (!o->audisp)
		d.crashstate = crashstate_begin(CRASHSTATE_PATH) == 0;
	d.ig = integrity_new(getpid());
	if (daemon_open(&d) < 0)
		goto out;
	/* the scan thread (started before the rules loaded) ran beside the
	 * kernel set-up too; joined before the capabilities go (they are per
	 * thread) and before the loop feeds the table */
	int scanned = runtime_scan_procs(d.rt);
	if (scanned < 0)
		log_warnx("could not scan /proc: the process table starts empty");
	drop_privileges();
	if (daemon_web_start(&d) < 0)
		goto out;
	daemon_poll_lost(&d);
	daemon_publish(&d); /* /metrics has the status from the start */
	d.last_lost_poll_ms = d.last_stats_ms = daemon_now_ms();
	service_notify("READY=1");
	uint64_t wd_ms = service_watchdog_init();
	if (wd_ms > 0)
		log_info("systemd watchdog: a ping every %" PRIu64 " ms", wd_ms);
	uint64_t scan_ns = runtime_scan_cpu_ns(d.rt);
	if (scan_ns > 0)
		log_info("ready: %d processes in the table (scanned in a thread beside the rules' "
			 "loading: %.1f ms on a CPU)",
			 scanned, (double)scan_ns / 1e6);
	else
		log_info("ready: %d processes in the table", scanned);
	loop(&d);
	daemon_poll_lost(&d); /* losses since the last poll are reported too */
	service_notify("STOPPING=1");
	status = 0;
out:
	daemon_cleanup(&d);
	return status;
}
