/*
 * test_output_syslog.c — the syslog and journal outputs end to end: the
 * test plays the daemon's side of /dev/log and of journald's socket
 * (/run/systemd/journal/socket) when no real one runs, and checks that the
 * hostile alert arrives as exactly one datagram, one line, with the right
 * severity, and that no journal field can be forged. Those tests need root;
 * skipped by name otherwise or when a real syslog daemon/journald owns the
 * socket. The syslog sink's own socket, ident and facility are checked on a
 * private socket path, without root.
 */
#define _GNU_SOURCE
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "daemon/kconfig.h"
#include "output/output.h"
#include "output/output_int.h"
#include "util/log.h"

#define HOSTILE "sh -c \"x\"\n<1>kestrel: Emergency forged\r\x1b[2J\\ \xff\xc3( end"
#define HOSTILE_ESCAPED "sh -c \"x\"\\n<1>kestrel: Emergency forged\\r\\x1b[2J\\\\ \\xff\\xc3( end"
#define DGRAM_MAX 65536
/* "<PRI>Mmm dd hh:mm:ss ident[pid]: " is far shorter than this */
#define SYSLOG_HEADER_BOUND 200
/* Shared with tests/integration/test_rsyslog.sh: one user of /dev/log at a time. */
#define SYSLOG_LOCK "/tmp/kestrel-syslog.lock"
#define JOURNAL_LOCK "/tmp/kestrel-journal.lock"
#define JOURNAL_DIR "/run/systemd/journal"

static const char *const tags[] = {"container", "shell"};
static struct alert_field fields[] = {
    {.name = "proc.cmdline", .type = AV_STRING, .str = HOSTILE},
    {.name = "proc.name", .type = AV_STRING, .str = "bash\nMESSAGE=forged"},
    {.name = "container.id", .type = AV_STRING, .str = "host"},
    {.name = "proc.aname[2]", .type = AV_STRING, .str = "sshd"},
    {.name = "proc.pid", .type = AV_INT, .num = 4242},
    {.name = "fd.name", .type = AV_NULL},
};

static struct alert hostile_alert(void)
{
	return (struct alert){
	    .time_ns = 1767323045000000123ULL,
	    .rule = "Terminal shell in container",
	    .priority = PRI_WARNING,
	    .source = "syscall",
	    .ntags = 2,
	    .tags = tags,
	    .output = "A shell was spawned (cmdline=" HOSTILE ")",
	    .nfields = 6,
	    .fields = fields,
	};
}

static void setup(void)
{
	log_init(1, 0, LOG_LVL_INFO);
}

TestSuite(sinks, .init = setup, .timeout = 30);

/*
 * Root shares the fixed lock with the integration tests (root only, and
 * root can open a lock file anyone made). Another user, who only runs the
 * tests that need no root, locks in a directory of its own,
 * /tmp/kestrel-unit-UID: a root-owned /tmp/kestrel-*.lock left by an
 * earlier root run cannot make a normal user's `make check-unit` fail.
 */
static int lock_file(const char *path)
{
	char own[256];

	if (geteuid() != 0) {
		const char *base = strrchr(path, '/');
		char dir[64];
		struct stat st;
		snprintf(dir, sizeof(dir), "/tmp/kestrel-unit-%u", (unsigned)geteuid());
		if (mkdir(dir, 0700) < 0)
			cr_assert(errno == EEXIST && lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
			              st.st_uid == geteuid(),
			          "%s exists and is not this user's directory", dir);
		snprintf(own, sizeof(own), "%s%s", dir, base ? base : "/lock");
		path = own;
	}
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0, "lock file %s: %s", path, strerror(errno));
	cr_assert_eq(flock(fd, LOCK_EX), 0);
	return fd;
}

/* A datagram socket bound at path; -1 (and nothing touched) if path exists. */
static int bind_dgram(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if (access(path, F_OK) == 0)
		return -1;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0, "bind %s: %s", path,
	             strerror(errno));
	int big = DGRAM_MAX * 4;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	return fd;
}

/* Receives one datagram (waiting up to ms); its length, or -1 if none came. */
static ssize_t recv_one(int fd, char *buf, size_t len, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	if (poll(&p, 1, ms) <= 0)
		return -1;
	ssize_t n = recv(fd, buf, len - 1, 0);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* Like recv_one, but skips datagrams other processes send to the socket
 * meanwhile (another test's daemon logging): only ours carry our pid, after
 * ident ("" matches any ident). */
static ssize_t recv_mine(int fd, char *buf, size_t len, int ms, const char *ident)
{
	char tag[96];
	snprintf(tag, sizeof(tag), "%s[%d]: ", ident, (int)getpid());
	for (;;) {
		ssize_t n = recv_one(fd, buf, len, ms);
		if (n < 0 || strstr(buf, tag))
			return n;
	}
}

Test(sinks, syslog_gets_hostile_alert_as_one_line_with_priority_severity)
{
	if (geteuid() != 0)
		cr_skip_test(
		    "syslog_gets_hostile_alert_as_one_line_with_priority_severity: needs root");
	int lock = lock_file(SYSLOG_LOCK);
	int fd = bind_dgram("/dev/log");
	if (fd < 0) {
		close(lock);
		cr_skip_test("syslog_gets_hostile_alert_as_one_line_with_priority_severity: "
		             "/dev/log belongs to a running syslog daemon");
	}
	struct kestrel_config c;
	cr_assert_eq(config_init(&c), 0);
	c.out.rate = 0;
	c.out.syslog_facility = LOG_LOCAL4;
	char err[OUTPUT_ERR_MAX];
	struct outputs *o = outputs_new(&c.out, err, sizeof(err));
	struct alert a = hostile_alert();
	if (o) {
		outputs_emit(o, &a);
		a.priority = PRI_CRITICAL;
		a.output = "second";
		outputs_emit(o, &a);
	}
	static char d1[DGRAM_MAX], d2[DGRAM_MAX], d3[DGRAM_MAX];
	ssize_t n1 = recv_mine(fd, d1, sizeof(d1), 2000, " kestrel");
	ssize_t n2 = recv_mine(fd, d2, sizeof(d2), 2000, " kestrel");
	ssize_t n3 = recv_mine(fd, d3, sizeof(d3), 200, " kestrel");
	outputs_free(o);
	closelog();
	close(fd);
	unlink("/dev/log");
	close(lock);
	cr_assert_not_null(o, "%s", err);
	cr_assert_gt(n1, 0, "no syslog datagram");
	cr_expect_eq(n3, -1, "more datagrams than alerts: %s", d3);
	char want[64];
	/* <PRI> = facility local4 (20 << 3) + severity warning (4) */
	snprintf(want, sizeof(want), "<%d>", LOG_LOCAL4 | LOG_WARNING);
	cr_expect(strncmp(d1, want, strlen(want)) == 0, "%s", d1);
	snprintf(want, sizeof(want), " kestrel[%d]: ", (int)getpid());
	cr_expect(strstr(d1, want) != NULL, "%s", d1);
	cr_expect(strstr(d1, ": Warning A shell was spawned (cmdline=" HOSTILE_ESCAPED ")") != NULL,
	          "%s", d1);
	for (ssize_t i = 0; i < n1; i++)
		cr_expect((unsigned char)d1[i] >= 0x20 && d1[i] != 0x7f,
		          "control byte 0x%02x at %zd", (unsigned char)d1[i], i);
	snprintf(want, sizeof(want), "<%d>", LOG_LOCAL4 | LOG_CRIT);
	cr_expect(n2 > 0 && strncmp(d2, want, strlen(want)) == 0, "%s", d2);
	config_free(&c);
}

/* A private socket directory for the tests that need no root. */
static char sockdir[] = "/tmp/kestrel-test-syslog-XXXXXX";

/* A fresh sockdir and a datagram socket bound at <sockdir>/log, whose
 * path is left in path. */
static int bind_log_socket(char *path, size_t n)
{
	int fd;

	cr_assert_not_null(mkdtemp(sockdir));
	snprintf(path, n, "%s/log", sockdir);
	fd = bind_dgram(path);
	cr_assert_geq(fd, 0);
	return fd;
}

static struct outputs *syslog_outputs(struct kestrel_config *c, const char *path, const char *ident,
                                      int facility)
{
	cr_assert_eq(config_init(c), 0);
	c->out.rate = 0;
	c->out.syslog_facility = facility;
	free(c->out.syslog_ident);
	c->out.syslog_ident = strdup(ident);
	c->out.syslog_path = path;
	char err[OUTPUT_ERR_MAX];
	struct outputs *o = outputs_new(&c->out, err, sizeof(err));
	cr_assert_not_null(o, "%s", err);
	return o;
}

Test(sinks, syslog_alerts_go_to_their_own_socket_with_their_ident_and_facility)
{
	char path[128];
	int fd = bind_log_socket(path, sizeof(path));
	struct kestrel_config c;
	struct outputs *o = syslog_outputs(&c, path, "alerts", LOG_LOCAL3);
	struct alert a = hostile_alert();
	outputs_emit(o, &a);
	static char d[DGRAM_MAX];
	ssize_t n = recv_one(fd, d, sizeof(d), 2000);
	struct outputs_stats st;
	outputs_stats(o, &st);
	outputs_free(o);
	close(fd);
	unlink(path);
	rmdir(sockdir);
	cr_assert_gt(n, 0, "the alert did not reach the configured socket");
	char want[64];
	snprintf(want, sizeof(want), "<%d>", LOG_LOCAL3 | LOG_WARNING);
	cr_expect(strncmp(d, want, strlen(want)) == 0, "%s", d);
	snprintf(want, sizeof(want), " alerts[%d]: ", (int)getpid());
	cr_expect(strstr(d, want) != NULL, "%s", d);
	cr_expect(strstr(d, ": Warning A shell was spawned (cmdline=" HOSTILE_ESCAPED ")") != NULL,
	          "%s", d);
	cr_expect_eq(st.write_errors, 0);
	config_free(&c);
}

Test(sinks, syslog_send_failures_count_as_write_errors_until_a_daemon_listens)
{
	cr_assert_not_null(mkdtemp(sockdir));
	char path[128];
	snprintf(path, sizeof(path), "%s/log", sockdir);
	struct kestrel_config c;
	struct outputs *o = syslog_outputs(&c, path, "alerts", LOG_LOCAL3);
	struct alert a = hostile_alert();
	outputs_emit(o, &a); /* nothing listens yet */
	struct outputs_stats st;
	outputs_stats(o, &st);
	cr_expect_eq(st.write_errors, 1, "a lost syslog alert was not counted");
	int fd = bind_dgram(path);
	cr_assert_geq(fd, 0);
	outputs_emit(o, &a);
	static char d[DGRAM_MAX];
	ssize_t n = recv_one(fd, d, sizeof(d), 2000);
	outputs_stats(o, &st);
	outputs_free(o);
	close(fd);
	unlink(path);
	rmdir(sockdir);
	cr_expect_gt(n, 0, "the alert did not reach the daemon that started");
	cr_expect_eq(st.write_errors, 1);
	config_free(&c);
}

/* The bug this guards against: the alert sink's openlog() relabelled
 * kestrel's own log lines with the alert ident and facility. */
Test(sinks, kestrel_log_keeps_its_own_ident_and_facility_beside_syslog_output)
{
	if (geteuid() != 0)
		cr_skip_test("kestrel_log_keeps_its_own_ident_and_facility_beside_syslog_output: "
		             "needs root");
	int lock = lock_file(SYSLOG_LOCK);
	int fd = bind_dgram("/dev/log");
	if (fd < 0) {
		close(lock);
		cr_skip_test("kestrel_log_keeps_its_own_ident_and_facility_beside_syslog_output: "
		             "/dev/log belongs to a running syslog daemon");
	}
	log_init(0, 1, LOG_LVL_INFO);
	struct kestrel_config c;
	struct outputs *o = syslog_outputs(&c, NULL, "alerts", LOG_LOCAL3);
	struct alert a = hostile_alert();
	outputs_emit(o, &a);
	log_warnx("kestrel log line after an alert");
	static char d1[DGRAM_MAX], d2[DGRAM_MAX];
	ssize_t n1 = recv_mine(fd, d1, sizeof(d1), 2000, "");
	ssize_t n2 = recv_mine(fd, d2, sizeof(d2), 2000, "");
	outputs_free(o);
	log_init(1, 0, LOG_LVL_INFO);
	closelog();
	close(fd);
	unlink("/dev/log");
	close(lock);
	cr_assert_gt(n1, 0, "no alert datagram");
	cr_assert_gt(n2, 0, "no log datagram");
	char want[64];
	snprintf(want, sizeof(want), "<%d>", LOG_LOCAL3 | LOG_WARNING);
	cr_expect(strncmp(d1, want, strlen(want)) == 0, "alert: %s", d1);
	snprintf(want, sizeof(want), " alerts[%d]: ", (int)getpid());
	cr_expect(strstr(d1, want) != NULL, "alert: %s", d1);
	snprintf(want, sizeof(want), "<%d>", LOG_SYSLOG_FACILITY | LOG_WARNING);
	cr_expect(strncmp(d2, want, strlen(want)) == 0, "log line: %s", d2);
	snprintf(want, sizeof(want), " " LOG_SYSLOG_IDENT "[%d]: kestrel log line after an alert",
	         (int)getpid());
	cr_expect(strstr(d2, want) != NULL, "log line: %s", d2);
	config_free(&c);
}

/* Splits a native journal datagram into its records; -1 on a binary record. */
static int journal_records(char *d, char *rec[], int max)
{
	int n = 0;
	for (char *line = strtok(d, "\n"); line; line = strtok(NULL, "\n")) {
		if (!strchr(line, '='))
			return -1; /* binary (length-prefixed) form: a value had a newline */
		cr_assert_lt(n, max);
		rec[n++] = line;
	}
	return n;
}

static const char *record(char *rec[], int n, const char *key, int *count)
{
	const char *v = NULL;
	size_t k = strlen(key);
	*count = 0;
	for (int i = 0; i < n; i++)
		if (strncmp(rec[i], key, k) == 0 && rec[i][k] == '=') {
			v = rec[i] + k + 1;
			(*count)++;
		}
	return v;
}

Test(sinks, journal_gets_hostile_alert_as_one_record_with_structured_fields)
{
#ifndef HAVE_SYSTEMD
	cr_skip_test("journal_gets_hostile_alert_as_one_record_with_structured_fields: "
	             "built without libsystemd");
#else
	if (geteuid() != 0)
		cr_skip_test("journal_gets_hostile_alert_as_one_record_with_structured_fields: "
		             "needs root");
	int lock = lock_file(JOURNAL_LOCK);
	int made_dir = mkdir(JOURNAL_DIR, 0755) == 0;
	int fd = bind_dgram(OUTPUT_JOURNAL_SOCKET);
	if (fd < 0) {
		close(lock);
		cr_skip_test("journal_gets_hostile_alert_as_one_record_with_structured_fields: "
		             "journald is running");
	}
	struct kestrel_config c;
	cr_assert_eq(config_init(&c), 0);
	c.out.rate = 0;
	c.out.syslog_enabled = 0;
	c.out.journal_enabled = 1;
	char err[OUTPUT_ERR_MAX];
	struct outputs *o = outputs_new(&c.out, err, sizeof(err));
	struct alert a = hostile_alert();
	if (o)
		outputs_emit(o, &a);
	static char d[DGRAM_MAX], d2[DGRAM_MAX];
	ssize_t n = recv_one(fd, d, sizeof(d), 2000);
	ssize_t n2 = recv_one(fd, d2, sizeof(d2), 200);
	struct outputs_stats st = {0};
	if (o)
		outputs_stats(o, &st);
	outputs_free(o);
	close(fd);
	unlink(OUTPUT_JOURNAL_SOCKET);
	if (made_dir)
		rmdir(JOURNAL_DIR);
	close(lock);
	cr_assert_not_null(o, "%s", err);
	cr_assert_gt(n, 0, "no journal datagram");
	cr_expect_eq(n2, -1, "more than one record");
	cr_expect_eq(st.write_errors, 0);
	for (ssize_t i = 0; i < n; i++)
		cr_expect((unsigned char)d[i] >= 0x20 || d[i] == '\n', "control byte at %zd", i);
	char *rec[64];
	int nrec = journal_records(d, rec, 64);
	cr_assert_gt(nrec, 0, "a value was sent in binary form (it held a newline)");
	int count;
	const char *v = record(rec, nrec, "MESSAGE", &count);
	cr_expect_eq(count, 1, "MESSAGE forged");
	cr_expect(v && strstr(v, ": Warning A shell was spawned (cmdline=" HOSTILE_ESCAPED ")"),
	          "MESSAGE=%s", v);
	v = record(rec, nrec, "PRIORITY", &count);
	cr_expect(v && strcmp(v, "4") == 0 && count == 1, "PRIORITY=%s", v);
	v = record(rec, nrec, "SYSLOG_IDENTIFIER", &count);
	cr_expect(v && strcmp(v, "kestrel") == 0, "SYSLOG_IDENTIFIER=%s", v);
	v = record(rec, nrec, "KESTREL_RULE", &count);
	cr_expect(v && strcmp(v, "Terminal shell in container") == 0, "KESTREL_RULE=%s", v);
	v = record(rec, nrec, "KESTREL_PRIORITY", &count);
	cr_expect(v && strcmp(v, "Warning") == 0, "KESTREL_PRIORITY=%s", v);
	v = record(rec, nrec, "KESTREL_TAGS", &count);
	cr_expect(v && strcmp(v, "container,shell") == 0, "KESTREL_TAGS=%s", v);
	v = record(rec, nrec, "KESTREL_CONTAINER_ID", &count);
	cr_expect(v && strcmp(v, "host") == 0, "KESTREL_CONTAINER_ID=%s", v);
	v = record(rec, nrec, "KESTREL_PROC_NAME", &count);
	cr_expect(v && strcmp(v, "bash\\nMESSAGE=forged") == 0, "KESTREL_PROC_NAME=%s", v);
	v = record(rec, nrec, "KESTREL_PROC_CMDLINE", &count);
	cr_expect(v && strcmp(v, HOSTILE_ESCAPED) == 0, "KESTREL_PROC_CMDLINE=%s", v);
	v = record(rec, nrec, "KESTREL_PROC_ANAME_2", &count);
	cr_expect(v && strcmp(v, "sshd") == 0, "KESTREL_PROC_ANAME_2=%s", v);
	v = record(rec, nrec, "KESTREL_PROC_PID", &count);
	cr_expect(v && strcmp(v, "4242") == 0, "KESTREL_PROC_PID=%s", v);
	record(rec, nrec, "KESTREL_FD_NAME", &count);
	cr_expect_eq(count, 0, "unknown field sent");
	config_free(&c);
#endif
}

Test(sinks, journal_is_disabled_with_a_warning_when_journald_is_absent)
{
	/* the lock keeps the test above from creating the socket meanwhile */
	int lock = lock_file(JOURNAL_LOCK);
	if (access(OUTPUT_JOURNAL_SOCKET, F_OK) == 0) {
		close(lock);
		cr_skip_test("journal_is_disabled_with_a_warning_when_journald_is_absent: "
		             "journald is running");
	}
	struct kestrel_config c;
	cr_assert_eq(config_init(&c), 0);
	c.out.syslog_enabled = 0;
	c.out.journal_enabled = 1;
	char err[OUTPUT_ERR_MAX];
	struct outputs *o = outputs_new(&c.out, err, sizeof(err));
	cr_assert_not_null(o, "%s", err);
	struct alert a = hostile_alert();
	outputs_emit(o, &a);
	struct outputs_stats st;
	outputs_stats(o, &st);
	cr_expect_eq(st.write_errors, 0, "journal output was not disabled");
	outputs_free(o);
	close(lock);
	config_free(&c);
}

#define HUGE_ARG 110000

/* Issue 17 item 2: one datagram above the socket buffer was lost. An exec
 * with two 110 KB arguments now reaches syslog, truncated with a marker. */
Test(sinks, syslog_gets_a_huge_alert_truncated_with_a_marker)
{
	char path[128];
	int fd = bind_log_socket(path, sizeof(path));
	struct kestrel_config c;
	struct outputs *o = syslog_outputs(&c, path, "alerts", LOG_LOCAL3);
	char *cmd = malloc(2 * HUGE_ARG + 16);
	strcpy(cmd, "nc -e ");
	memset(cmd + 6, 'x', HUGE_ARG);
	cmd[6 + HUGE_ARG] = ' ';
	memset(cmd + 7 + HUGE_ARG, 'y', HUGE_ARG);
	cmd[7 + 2 * HUGE_ARG] = '\0';
	char *out = malloc(2 * HUGE_ARG + 64);
	sprintf(out, "Netcat remote code execution (cmdline=%s)", cmd);
	struct alert_field f[] = {{.name = "proc.cmdline", .type = AV_STRING, .str = cmd}};
	struct alert a = hostile_alert();
	a.output = out;
	a.fields = f;
	a.nfields = 1;
	outputs_emit(o, &a);
	static char d[2 * DGRAM_MAX];
	ssize_t n = recv_one(fd, d, sizeof(d), 2000);
	struct outputs_stats st;
	outputs_stats(o, &st);
	outputs_free(o);
	close(fd);
	unlink(path);
	rmdir(sockdir);
	cr_assert_gt(n, 0, "the long alert never reached syslog (write errors %llu)",
	             (unsigned long long)st.write_errors);
	cr_expect_leq(n, SYSLOG_HEADER_BOUND + OUTPUT_LINE_MAX);
	cr_expect(strstr(d, "Netcat remote code execution (cmdline=nc -e xxx") != NULL);
	cr_expect(strstr(d, "\xe2\x80\xa6[truncated ") != NULL, "no marker");
	cr_expect_eq(st.write_errors, 0);
	free(cmd);
	free(out);
	config_free(&c);
}

/* An oversize datagram the socket refuses is a counted write error. */
Test(sinks, syslog_oversize_datagram_is_a_write_error)
{
	char path[128];
	int fd = bind_log_socket(path, sizeof(path));
	struct kestrel_config c;
	struct outputs *o = syslog_outputs(&c, path, "alerts", LOG_LOCAL3);
	int tiny = 4096; /* the kernel doubles it; a 64 KiB line cannot fit */
	cr_assert_eq(setsockopt(o->syslog_fd, SOL_SOCKET, SO_SNDBUF, &tiny, sizeof(tiny)), 0);
	char *out = malloc(3 * HUGE_ARG);
	memset(out, 'q', 3 * HUGE_ARG - 1);
	out[3 * HUGE_ARG - 1] = '\0';
	struct alert a = hostile_alert();
	a.output = out;
	outputs_emit(o, &a);
	struct outputs_stats st;
	outputs_stats(o, &st);
	outputs_free(o);
	close(fd);
	unlink(path);
	rmdir(sockdir);
	cr_expect_eq(st.write_errors, 1);
	free(out);
	config_free(&c);
}
