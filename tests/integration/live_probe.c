/*
 * live_probe.c — drives the live sources and kernel rules on the real
 * kernel for the integration scripts (test_live_*.sh) and the exec-storm
 * measurement. Root only. Modes:
 *   live_probe exec MODE PATH [ARG...]  install the exec rules, run PATH,
 *                                      wait for its SYSCALL and EXECVE records
 *   live_probe hold MODE                install, print READY, read until
 *                                      SIGTERM; re-add rules others delete;
 *                                      SIGHUP reloads with fork tracking added
 *   live_probe storm MODE SECONDS       count records/events for SECONDS or
 *                                      until SIGTERM
 *   live_probe burst MODE N             install, run N execs without reading
 *                                      (the socket overflows), then read on and
 *                                      check a later exec is still seen
 *   live_probe spoof MODE               send a fake record to our own socket
 *                                      from another socket; it must be dropped
 *   live_probe audisp FILE              as an auditd plugin: read the plugin
 *                                      stream on stdin, append each record
 *                                      line to FILE, exit at end of stream
 *   live_probe print                    print the exec rule set (no kernel)
 * MODE is auto, unicast or multicast. Environment: LIVE_PROBE_NEEDS
 * (exec,fork,exit: process-table rules, default exec), LIVE_PROBE_RCVBUF
 * (bytes), LIVE_PROBE_SETTINGS ("backlog_limit,backlog_wait_time,rate_limit",
 * -1 = leave).
 */
#include "config.h"

#include <errno.h>
#include <libaudit.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kernel/kaudit.h"
#include "kernel/krules.h"
#include "source/netlink.h"
#include "util/log.h"

/* How long exec mode waits for the child's records. */
#define PROBE_EXEC_TIMEOUT_MS 10000
/* Poll tick of hold and storm modes. */
#define PROBE_TICK_MS 200

static volatile sig_atomic_t stop, hup;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		hup = 1;
	else
		stop = 1;
}

struct probe {
	pid_t child;
	char pidpat[32]; /* " pid=<child> " */
	const char *path;
	int seen_syscall, seen_execve;
	uint64_t eoe, execs, removals;
	int spoof_seen;
	struct krules *kr;
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void on_record(int type, const char *text, size_t len, void *arg)
{
	struct probe *p = arg;
	(void)len;

	switch (type) {
	case AUDIT_EOE:
		p->eoe++;
		break;
	case AUDIT_SYSCALL:
		if (strstr(text, "SPOOFED=1"))
			p->spoof_seen = 1;
		if (strstr(text, " syscall=59 ") || strstr(text, " syscall=322 "))
			p->execs++;
		if (p->child > 0 && strstr(text, p->pidpat) && strstr(text, "key=\"kestrel\"")) {
			printf("SYSCALL %s\n", text);
			p->seen_syscall = 1;
		}
		break;
	case AUDIT_EXECVE:
		if (p->child > 0 && p->seen_syscall && !p->seen_execve) {
			char want[512];
			snprintf(want, sizeof(want), "a0=\"%s\"", p->path);
			if (strstr(text, want)) {
				printf("EXECVE %s\n", text);
				p->seen_execve = 1;
			}
		}
		break;
	case AUDIT_CONFIG_CHANGE:
		if (krules_config_change_is_removal(text, len))
			p->removals++;
		break;
	}
}

static struct audit_source *open_source(const char *mode)
{
	char err[512];
	int m = audit_source_mode_parse(mode);
	if (m < 0 || m == AUDIT_SRC_AUDISP) {
		fprintf(stderr, "live_probe: bad mode %s\n", mode);
		return NULL;
	}
	const char *rb = getenv("LIVE_PROBE_RCVBUF");
	struct audit_source_opts o = {.mode = m, .rcvbuf = rb ? atoi(rb) : 0};
	struct audit_source *src = audit_source_open(&o, err, sizeof(err));
	if (!src)
		fprintf(stderr, "live_probe: %s\n", err);
	else
		printf("MODE %s RCVBUF %d\n", audit_source_mode_name(audit_source_mode(src)),
		       audit_source_stats(src)->rcvbuf);
	return src;
}

static unsigned needs_from_env(void)
{
	const char *e = getenv("LIVE_PROBE_NEEDS");
	unsigned needs = KRULES_PROC_EXEC;
	if (e && strstr(e, "fork"))
		needs |= KRULES_PROC_FORK;
	if (e && strstr(e, "exit"))
		needs |= KRULES_PROC_EXIT;
	return needs;
}

static struct krules *install_rules(void)
{
	char err[512];
	struct krules *kr = krules_new(getpid());
	struct krules_settings set = {KRULES_UNSET, KRULES_UNSET, KRULES_UNSET};
	const char *e = getenv("LIVE_PROBE_SETTINGS");

	if (e && sscanf(e, "%ld,%ld,%ld", &set.backlog_limit, &set.backlog_wait_time,
	                &set.rate_limit) != 3) {
		fprintf(stderr, "live_probe: LIVE_PROBE_SETTINGS wants three numbers\n");
		krules_free(kr);
		return NULL;
	}
	krules_add_proc_needs(kr, needs_from_env());
	krules_print(kr, stdout);
	int rc = krules_install(kr, &set, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "live_probe: %s\n", err);
		krules_free(kr);
		return NULL;
	}
	return kr;
}

static int wait_readable(struct audit_source *src, int ms)
{
	struct pollfd pf = {.fd = audit_source_fd(src), .events = POLLIN};
	return poll(&pf, 1, ms);
}

static void print_stats(struct audit_source *src)
{
	const struct audit_source_stats *s = audit_source_stats(src);
	printf("STATS records=%llu bytes=%llu batches=%llu enobufs=%llu spoofed=%llu "
	       "malformed=%llu nl_errors=%llu\n",
	       (unsigned long long)s->records, (unsigned long long)s->bytes,
	       (unsigned long long)s->batches, (unsigned long long)s->enobufs,
	       (unsigned long long)s->spoofed, (unsigned long long)s->malformed,
	       (unsigned long long)s->nl_errors);
}

static pid_t spawn(char **argv)
{
	pid_t pid = fork();
	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static int mode_exec(struct audit_source *src, struct probe *p, char **argv)
{
	p->path = argv[0];
	p->seen_syscall = p->seen_execve = 0;
	p->child = spawn(argv);
	snprintf(p->pidpat, sizeof(p->pidpat), " pid=%d ", (int)p->child);
	printf("CHILD %d\n", (int)p->child);
	uint64_t deadline = now_ms() + PROBE_EXEC_TIMEOUT_MS;
	while (!(p->seen_syscall && p->seen_execve) && now_ms() < deadline) {
		if (wait_readable(src, PROBE_TICK_MS) > 0 &&
		    audit_source_read(src, on_record, p) < 0) {
			perror("live_probe: read");
			break;
		}
	}
	waitpid(p->child, NULL, 0);
	return p->seen_syscall && p->seen_execve ? 0 : 1;
}

static int mode_hold(struct audit_source *src, struct probe *p)
{
	printf("READY %d\n", (int)getpid());
	fflush(stdout);
	while (!stop) {
		if (wait_readable(src, PROBE_TICK_MS) > 0 &&
		    audit_source_read(src, on_record, p) < 0)
			break;
		if (hup) {
			char err[512];
			struct krules *next = krules_new(getpid());
			hup = 0;
			krules_add_proc_needs(next, needs_from_env() | KRULES_PROC_FORK);
			if (krules_reload(p->kr, next, err, sizeof(err)) < 0) {
				printf("RELOAD failed: %s\n", err);
				krules_free(next);
			} else {
				krules_free(p->kr);
				p->kr = next;
				printf("RELOADED %zu\n", krules_count(next));
			}
		}
		if (p->removals) {
			p->removals = 0;
			int n = krules_check_and_restore(p->kr);
			printf("RESTORED %d\n", n);
			fflush(stdout);
		}
	}
	return 0;
}

static int mode_burst(struct audit_source *src, struct probe *p, int n)
{
	static char *truecmd[] = {"/bin/true", NULL};

	for (int i = 0; i < n; i++)
		waitpid(spawn(truecmd), NULL, 0);
	/* first read sees the overflow; reading goes on */
	while (wait_readable(src, PROBE_TICK_MS) > 0 && audit_source_read(src, on_record, p) > 0)
		;
	uint64_t before = audit_source_stats(src)->records;
	printf("BURST execs=%d records=%llu enobufs=%llu\n", n, (unsigned long long)before,
	       (unsigned long long)audit_source_stats(src)->enobufs);
	return mode_exec(src, p, truecmd);
}

/* A record sent to our socket by a user process (root may do that): the
 * source must drop it as spoofed, not deliver it. */
static int mode_spoof(struct audit_source *src, struct probe *p)
{
	struct sockaddr_nl self, to = {.nl_family = AF_NETLINK};
	socklen_t sl = sizeof(self);
	static const char fake[] = "audit(1.000:1): arch=c000003e syscall=59 SPOOFED=1";
	char buf[NLMSG_HDRLEN + sizeof(fake)];
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);

	if (fd < 0 || getsockname(audit_source_fd(src), (struct sockaddr *)&self, &sl) < 0) {
		perror("live_probe: spoof socket");
		return 1;
	}
	memset(buf, 0, sizeof(buf));
	h->nlmsg_len = sizeof(buf);
	h->nlmsg_type = AUDIT_SYSCALL;
	memcpy(buf + NLMSG_HDRLEN, fake, sizeof(fake));
	to.nl_pid = self.nl_pid;
	if (sendto(fd, buf, sizeof(buf), 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		perror("live_probe: spoof sendto");
		close(fd);
		return 1;
	}
	close(fd);
	p->child = 0;
	uint64_t deadline = now_ms() + PROBE_TICK_MS * 5;
	while (audit_source_stats(src)->spoofed == 0 && now_ms() < deadline)
		if (wait_readable(src, PROBE_TICK_MS) > 0)
			audit_source_read(src, on_record, p);
	printf("SPOOF dropped=%llu delivered=%d\n",
	       (unsigned long long)audit_source_stats(src)->spoofed, p->spoof_seen);
	return audit_source_stats(src)->spoofed == 1 && p->spoof_seen == 0 ? 0 : 1;
}

static double cpu_seconds(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

static int mode_storm(struct audit_source *src, struct probe *p, int seconds)
{
	struct audit_status st0, st1;
	kaudit_status(&st0);
	printf("READY %d\n", (int)getpid());
	fflush(stdout);
	double c0 = cpu_seconds();
	uint64_t t0 = now_ms(), end = t0 + (uint64_t)seconds * 1000;
	while (!stop && now_ms() < end)
		if (wait_readable(src, PROBE_TICK_MS) > 0 &&
		    audit_source_read(src, on_record, p) < 0)
			break;
	/* drain what is left */
	while (wait_readable(src, PROBE_TICK_MS) > 0 && audit_source_read(src, on_record, p) > 0)
		;
	double cpu = cpu_seconds() - c0, wall = (double)(now_ms() - t0) / 1000.0;
	kaudit_status(&st1);
	const struct audit_source_stats *s = audit_source_stats(src);
	printf(
	    "STORM seconds=%.1f records=%llu events=%llu execs=%llu records_per_s=%.0f "
	    "cpu_s=%.3f cpu_us_per_event=%.2f cpu_us_per_record=%.3f kernel_lost=%u enobufs=%llu\n",
	    wall, (unsigned long long)s->records, (unsigned long long)p->eoe,
	    (unsigned long long)p->execs, (double)s->records / wall, cpu,
	    p->eoe ? cpu * 1e6 / (double)p->eoe : 0.0,
	    s->records ? cpu * 1e6 / (double)s->records : 0.0, st1.lost - st0.lost,
	    (unsigned long long)s->enobufs);
	return 0;
}

static void append_line(int type, const char *text, size_t len, void *arg)
{
	FILE *f = arg;
	fprintf(f, "%d %.*s\n", type, (int)len, text);
	fflush(f);
}

static int mode_audisp(const char *path)
{
	char err[512];
	struct audit_source_opts o = {.mode = AUDIT_SRC_AUDISP, .input_fd = -1};
	struct audit_source *src = audit_source_open(&o, err, sizeof(err));
	FILE *f = fopen(path, "a");

	if (!src || !f) {
		fprintf(stderr, "live_probe: %s\n", src ? path : err);
		if (f)
			fclose(f);
		audit_source_close(src);
		return 1;
	}
	while (!stop && !audit_source_eof(src))
		if (wait_readable(src, PROBE_TICK_MS) > 0 &&
		    audit_source_read(src, append_line, f) < 0)
			break;
	fprintf(f, "EOF %d\n", audit_source_eof(src));
	fclose(f);
	audit_source_close(src);
	return 0;
}

int main(int argc, char **argv)
{
	struct probe p = {0};
	int rc = 2;

	setvbuf(stdout, NULL, _IOLBF, 0);
	log_init(1, 0, LOG_LVL_INFO);
	if (argc >= 2 && strcmp(argv[1], "print") == 0) {
		struct krules *kr = krules_new(getpid());
		krules_add_proc_needs(kr, KRULES_PROC_EXEC);
		krules_print(kr, stdout);
		krules_free(kr);
		return 0;
	}
	if (argc < 3 || (strcmp(argv[1], "exec") == 0 && argc < 4) ||
	    (strcmp(argv[1], "storm") == 0 && argc < 4) ||
	    (strcmp(argv[1], "burst") == 0 && argc < 4)) {
		fprintf(stderr, "usage: live_probe exec|hold|storm|burst|spoof MODE "
		                "[PATH ARGS | SECONDS | N]\n");
		return 2;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGHUP, on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (strcmp(argv[1], "audisp") == 0)
		return mode_audisp(argv[2]);

	struct audit_source *src = open_source(argv[2]);
	if (!src)
		return 1;
	if (!(p.kr = install_rules())) {
		audit_source_close(src);
		return 1;
	}
	if (strcmp(argv[1], "exec") == 0)
		rc = mode_exec(src, &p, argv + 3);
	else if (strcmp(argv[1], "hold") == 0)
		rc = mode_hold(src, &p);
	else if (strcmp(argv[1], "storm") == 0)
		rc = mode_storm(src, &p, atoi(argv[3]));
	else if (strcmp(argv[1], "burst") == 0)
		rc = mode_burst(src, &p, atoi(argv[3]));
	else if (strcmp(argv[1], "spoof") == 0)
		rc = mode_spoof(src, &p);
	print_stats(src);
	printf("REMOVED %d\n", krules_uninstall(p.kr));
	krules_free(p.kr);
	audit_source_close(src);
	return rc;
}
