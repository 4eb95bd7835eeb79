/*
 * test_output_http.c — the HTTP output against a small HTTP/1.1 listener
 * on 127.0.0.1 run by the test itself: alerts arrive as Falco-schema JSON
 * POSTs, failures are counted, and a stalled collector never blocks
 * outputs_emit() (the queue fills and further alerts are dropped, counted).
 */
#define _GNU_SOURCE
#include "config.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "daemon/kconfig.h"
#include "output/output.h"
#include "output/output_int.h"
#include "util/log.h"

#define SINK_MAX_BODIES 16
#define SINK_BUF 65536

/* SINK_HANG accepts connections and never reads or answers them. */
enum sink_mode { SINK_OK, SINK_FAIL, SINK_STALL, SINK_HANG };
#define SINK_MAX_HELD 8

struct sink {
	int lfd;
	int port;
	enum sink_mode mode;
	pthread_t thread;
	pthread_mutex_t lock;
	int nbodies;
	char *bodies[SINK_MAX_BODIES];
	char headers[SINK_BUF];  /* headers of the first request */
	int held[SINK_MAX_HELD]; /* SINK_HANG: connections left open */
	int nheld;
	int stop;
};

static struct sink sink;

/* Serves requests on one connection until the peer closes it. */
static void serve(struct sink *s, int fd)
{
	static char buf[SINK_BUF];
	size_t len = 0;
	for (;;) {
		char *end = NULL;
		while (!(end = memmem(buf, len, "\r\n\r\n", 4))) {
			ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
			if (n <= 0)
				return;
			len += (size_t)n;
		}
		size_t hlen = (size_t)(end - buf) + 4;
		buf[hlen - 1] = '\0';
		const char *cl = strcasestr(buf, "Content-Length:");
		size_t blen = cl ? strtoul(cl + 15, NULL, 10) : 0;
		while (len < hlen + blen) {
			ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
			if (n <= 0)
				return;
			len += (size_t)n;
		}
		pthread_mutex_lock(&s->lock);
		if (s->nbodies == 0)
			snprintf(s->headers, sizeof(s->headers), "%s", buf);
		if (s->nbodies < SINK_MAX_BODIES)
			s->bodies[s->nbodies++] = strndup(buf + hlen, blen);
		pthread_mutex_unlock(&s->lock);
		memmove(buf, buf + hlen + blen, len - hlen - blen);
		len -= hlen + blen;
		if (s->mode == SINK_STALL) {
			while (!s->stop)
				usleep(10000);
			return;
		}
		const char *resp =
		    s->mode == SINK_OK
		        ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
		        : "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n";
		if (write(fd, resp, strlen(resp)) < 0)
			return;
	}
}

static void *sink_main(void *arg)
{
	struct sink *s = arg;
	while (!s->stop) {
		int fd = accept(s->lfd, NULL, NULL);
		if (fd < 0)
			break;
		if (s->mode == SINK_HANG && s->nheld < SINK_MAX_HELD) {
			s->held[s->nheld++] = fd;
			continue;
		}
		serve(s, fd);
		close(fd);
	}
	return NULL;
}

static void sink_start(enum sink_mode mode)
{
	memset(&sink, 0, sizeof(sink));
	sink.mode = mode;
	pthread_mutex_init(&sink.lock, NULL);
	sink.lfd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(sink.lfd, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	cr_assert_eq(bind(sink.lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t al = sizeof(a);
	getsockname(sink.lfd, (struct sockaddr *)&a, &al);
	sink.port = ntohs(a.sin_port);
	cr_assert_eq(listen(sink.lfd, 16), 0);
	cr_assert_eq(pthread_create(&sink.thread, NULL, sink_main, &sink), 0);
}

static void sink_stop(void)
{
	sink.stop = 1;
	shutdown(sink.lfd, SHUT_RDWR);
	close(sink.lfd);
	pthread_join(sink.thread, NULL);
	for (int i = 0; i < sink.nheld; i++)
		close(sink.held[i]);
	for (int i = 0; i < sink.nbodies; i++)
		free(sink.bodies[i]);
	pthread_mutex_destroy(&sink.lock);
}

static void setup(void)
{
	log_init(1, 0, LOG_LVL_INFO);
	setenv("KESTREL_HOSTNAME", "node1", 1);
}

TestSuite(http, .init = setup, .timeout = 30);

static struct outputs *http_outputs_url(struct kestrel_config *c, const char *url, int timeout_ms,
                                        int queue)
{
	cr_assert_eq(config_init(c), 0);
	c->out.syslog_enabled = 0;
	c->out.rate = 0;
	c->out.http_enabled = 1;
	c->out.http_timeout_ms = timeout_ms;
	c->out.http_queue_size = queue;
	free(c->out.http_url);
	c->out.http_url = strdup(url);
	char err[CONFIG_ERR_MAX];
	struct outputs *o = outputs_new(&c->out, err, sizeof(err));
	cr_assert_not_null(o, "%s", err);
	return o;
}

static struct outputs *http_outputs(struct kestrel_config *c, int port, int timeout_ms, int queue)
{
	cr_assert_eq(config_init(c), 0);
	c->out.syslog_enabled = 0;
	c->out.rate = 0;
	c->out.http_enabled = 1;
	c->out.http_timeout_ms = timeout_ms;
	c->out.http_queue_size = queue;
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
	free(c->out.http_url);
	c->out.http_url = strdup(url);
	char err[CONFIG_ERR_MAX];
	struct outputs *o = outputs_new(&c->out, err, sizeof(err));
	cr_assert_not_null(o, "%s", err);
	return o;
}

static const char *const tags[] = {"container", "mitre_execution"};

static struct alert test_alert(const char *cmdline)
{
	static struct alert_field f[3];
	f[0] = (struct alert_field){.name = "proc.cmdline", .type = AV_STRING, .str = cmdline};
	f[1] = (struct alert_field){.name = "proc.pid", .type = AV_INT, .num = 77};
	f[2] = (struct alert_field){.name = "container.name", .type = AV_NULL};
	return (struct alert){.time_ns = 1767323045000000123ULL,
	                      .rule = "Terminal shell in container",
	                      .priority = PRI_NOTICE,
	                      .source = "syscall",
	                      .ntags = 2,
	                      .tags = tags,
	                      .output = "A shell was spawned",
	                      .nfields = 3,
	                      .fields = f};
}

/* Polls the stats until cond holds or ms pass. */
#define WAIT_FOR(o, st, cond, ms)                                                                  \
	do {                                                                                       \
		for (int waited_ = 0; waited_ < (ms); waited_ += 10) {                             \
			outputs_stats((o), &(st));                                                 \
			if (cond)                                                                  \
				break;                                                             \
			usleep(10000);                                                             \
		}                                                                                  \
	} while (0)

Test(http, posts_alerts_as_falco_schema_json)
{
	sink_start(SINK_OK);
	struct kestrel_config c;
	struct outputs *o = http_outputs(&c, sink.port, 2000, 16);
	struct alert a = test_alert("bash -i");
	outputs_emit(o, &a);
	a = test_alert("sh -c \"x\"\n<1>kestrel: Emergency\r\x1b[2J\\ \xff end");
	outputs_emit(o, &a);
	struct outputs_stats st;
	WAIT_FOR(o, st, st.http_sent == 2, 5000);
	cr_expect_eq(st.http_sent, 2);
	cr_expect_eq(st.http_failed, 0);
	cr_expect_eq(st.http_dropped, 0);
	outputs_free(o);
	cr_assert_eq(sink.nbodies, 2);
	cr_expect(strncmp(sink.headers, "POST / HTTP/1.1\r\n", 17) == 0, "%s", sink.headers);
	cr_expect(strcasestr(sink.headers, "\r\nContent-Type: application/json") != NULL, "%s",
	          sink.headers);
	cr_expect(strcasestr(sink.headers, "\r\nUser-Agent: kestrel/") != NULL, "%s", sink.headers);
	static const char *const keys[] = {"time",     "rule",   "priority", "output",
	                                   "hostname", "source", "tags",     "output_fields"};
	for (int i = 0; i < 2; i++) {
		json_error_t e;
		json_t *j = json_loads(sink.bodies[i], 0, &e);
		cr_assert_not_null(j, "body %d is not JSON (%s): %s", i, e.text, sink.bodies[i]);
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			cr_expect_not_null(json_object_get(j, keys[k]), "no '%s' in %s", keys[k],
			                   sink.bodies[i]);
		cr_expect_str_eq(json_string_value(json_object_get(j, "time")),
		                 "2026-01-02T03:04:05.000000123Z");
		cr_expect_str_eq(json_string_value(json_object_get(j, "priority")), "Notice");
		cr_expect_str_eq(json_string_value(json_object_get(j, "rule")),
		                 "Terminal shell in container");
		cr_expect_str_eq(json_string_value(json_object_get(j, "source")), "syscall");
		cr_expect_str_eq(json_string_value(json_object_get(j, "hostname")), "node1");
		json_t *f = json_object_get(j, "output_fields");
		cr_expect_eq(json_integer_value(json_object_get(f, "proc.pid")), 77);
		cr_expect(json_is_null(json_object_get(f, "container.name")));
		cr_expect_eq(json_array_size(json_object_get(j, "tags")), 2);
		json_decref(j);
	}
	cr_expect(strstr(sink.bodies[1],
	                 "\\n<1>kestrel: Emergency\\r\\u001B[2J\\\\ \xef\xbf\xbd end") != NULL,
	          "%s", sink.bodies[1]);
	sink_stop();
	config_free(&c);
}

Test(http, error_statuses_are_counted_as_failures)
{
	sink_start(SINK_FAIL);
	struct kestrel_config c;
	struct outputs *o = http_outputs(&c, sink.port, 2000, 16);
	struct alert a = test_alert("bash");
	for (int i = 0; i < 3; i++)
		outputs_emit(o, &a);
	struct outputs_stats st;
	WAIT_FOR(o, st, st.http_failed == 3, 5000);
	cr_expect_eq(st.http_failed, 3);
	cr_expect_eq(st.http_sent, 0);
	outputs_free(o);
	sink_stop();
	config_free(&c);
}

Test(http, refused_connections_are_counted_as_failures)
{
	/* a port nobody listens on: bind one, close it */
	sink_start(SINK_OK);
	int port = sink.port;
	sink_stop();
	struct kestrel_config c;
	struct outputs *o = http_outputs(&c, port, 1000, 16);
	struct alert a = test_alert("bash");
	outputs_emit(o, &a);
	struct outputs_stats st;
	WAIT_FOR(o, st, st.http_failed == 1, 5000);
	cr_expect_eq(st.http_failed, 1);
	outputs_free(o);
	config_free(&c);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

Test(http, stalled_collector_never_blocks_emit_and_drops_are_counted)
{
	sink_start(SINK_STALL);
	struct kestrel_config c;
	const int queue = 4, n = 200;
	struct outputs *o = http_outputs(&c, sink.port, 300, queue);
	struct alert a = test_alert("bash");
	double t0 = now_ms();
	for (int i = 0; i < n; i++)
		outputs_emit(o, &a);
	double took = now_ms() - t0;
	/* far below one request timeout (300 ms): emit only queues */
	cr_expect_lt(took, 100.0, "emitting %d alerts took %.1f ms", n, took);
	struct outputs_stats st;
	outputs_stats(o, &st);
	/* at most one in flight plus a full queue got through */
	cr_expect_geq(st.http_dropped, (uint64_t)(n - queue - 1), "dropped %llu",
	              (unsigned long long)st.http_dropped);
	WAIT_FOR(o, st, st.http_failed >= 1, 3000);
	cr_expect_geq(st.http_failed, 1, "the stalled request timed out");
	outputs_free(o);
	sink_stop();
	config_free(&c);
}

Test(http, bad_url_is_rejected_at_start)
{
	struct kestrel_config c;
	cr_assert_eq(config_init(&c), 0);
	c.out.syslog_enabled = 0;
	c.out.http_enabled = 1;
	free(c.out.http_url);
	c.out.http_url = strdup("ftp://127.0.0.1/");
	char err[CONFIG_ERR_MAX];
	cr_expect_null(outputs_new(&c.out, err, sizeof(err)));
	cr_expect_str_eq(err,
	                 "http_output.url: 'ftp://127.0.0.1/' is not an http:// or https:// URL");
	config_free(&c);
}

/* libcurl is loaded only when an HTTP sink is created; a host without it
 * gets an error naming the library and the package, at start. */
Test(http, missing_libcurl_is_refused_at_start_naming_the_library)
{
	struct kestrel_config c;
	cr_assert_eq(config_init(&c), 0);
	c.out.syslog_enabled = 0;
	c.out.http_enabled = 1;
	free(c.out.http_url);
	c.out.http_url = strdup("http://127.0.0.1:9/");
	sink_http_set_library("libkestrel-no-such-curl.so.4");
	char err[CONFIG_ERR_MAX];
	struct outputs *o = outputs_new(&c.out, err, sizeof(err));
	sink_http_set_library(NULL);
	cr_expect_null(o);
	cr_expect(strstr(err, "http_output: cannot load libkestrel-no-such-curl.so.4") == err,
	          "error: %s", err);
	cr_expect(strstr(err, "install libcurl4") != NULL, "error: %s", err);
	if (o)
		outputs_free(o);
	config_free(&c);
}

/* 40 fields of 8 KiB: about 330 KB of JSON per alert. */
#define BIG_FIELDS 40
#define BIG_FIELD_LEN 8000

/* Issue 17 item 7: the queue was bounded by count only (40 large alerts
 * held 364 MB against a collector that never answers). */
Test(http, queue_is_bounded_by_bytes_against_a_collector_that_never_answers)
{
	sink_start(SINK_HANG);
	struct kestrel_config c;
	struct outputs *o = http_outputs(&c, sink.port, 20000, 1024);
	static struct alert_field f[BIG_FIELDS];
	static char names[BIG_FIELDS][24];
	char *v = malloc(BIG_FIELD_LEN + 1);
	memset(v, 'a', BIG_FIELD_LEN);
	v[BIG_FIELD_LEN] = '\0';
	for (int i = 0; i < BIG_FIELDS; i++) {
		snprintf(names[i], sizeof(names[i]), "proc.f%d", i);
		f[i] = (struct alert_field){.name = names[i], .type = AV_STRING, .str = v};
	}
	struct alert a = test_alert("bash");
	a.nfields = BIG_FIELDS;
	a.fields = f;
	const int n = 80; /* ~26 MB of JSON, far below the count limit */
	for (int i = 0; i < n; i++)
		outputs_emit(o, &a);
	struct outputs_stats st;
	outputs_stats(o, &st);
	size_t body = BIG_FIELDS * (size_t)BIG_FIELD_LEN;
	uint64_t held = (uint64_t)n - st.http_dropped;
	cr_expect_gt(st.http_dropped, 0, "nothing dropped: %d alerts of ~%zu bytes queued", n,
	             body);
	cr_expect_leq(held * body, (uint64_t)(OUTPUT_HTTP_QUEUE_BYTES + 2 * body),
	              "%llu alerts held", (unsigned long long)held);
	outputs_free(o);
	sink_stop();
	free(v);
	config_free(&c);
}

/* Issue 17 item 18: outputs_free() waited for the in-flight request's
 * whole timeout, longer than the unit's TimeoutStopSec=. */
Test(http, shutdown_abandons_a_hung_request_within_the_drain_bound_and_counts_it)
{
	sink_start(SINK_STALL);
	struct kestrel_config c;
	struct outputs *o = http_outputs(&c, sink.port, 25000, 16);
	struct alert a = test_alert("bash");
	outputs_emit(o, &a);
	outputs_emit(o, &a);
	for (int i = 0; i < 300; i++) { /* wait until the first request is in flight */
		pthread_mutex_lock(&sink.lock);
		int got = sink.nbodies;
		pthread_mutex_unlock(&sink.lock);
		if (got)
			break;
		usleep(10000);
	}
	double t0 = now_ms();
	outputs_drain(o);
	double took = now_ms() - t0;
	struct outputs_stats st;
	outputs_stats(o, &st);
	outputs_free(o);
	cr_expect_lt(took, OUTPUT_DRAIN_MS + 1500.0, "shutdown took %.0f ms", took);
	cr_expect_eq(st.http_dropped, 2, "abandoned in flight + queued: %llu",
	             (unsigned long long)st.http_dropped);
	sink_stop();
	config_free(&c);
}

/* Reads what fd 2 received while fn ran. */
static char *capture_stderr(void (*fn)(void *), void *arg)
{
	char path[] = "/tmp/kestrel-test-http-log-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	fflush(stderr);
	int saved = dup(2);
	dup2(fd, 2);
	fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	static char buf[SINK_BUF];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	return buf;
}

static void failing_post_with_secrets(void *arg)
{
	(void)arg;
	struct kestrel_config c;
	char url[128];
	snprintf(url, sizeof(url), "http://alice:s3cret@127.0.0.1:%d/hook?token=abc123#frag",
	         sink.port);
	struct outputs *o = http_outputs_url(&c, url, 2000, 4);
	struct alert a = test_alert("bash");
	outputs_emit(o, &a);
	struct outputs_stats st;
	WAIT_FOR(o, st, st.http_failed >= 1, 3000);
	outputs_free(o);
	config_free(&c);
	/* and the start-up error names the URL redacted too */
	cr_assert_eq(config_init(&c), 0);
	c.out.syslog_enabled = 0;
	c.out.http_enabled = 1;
	free(c.out.http_url);
	c.out.http_url = strdup("ftp://bob:hunter2@127.0.0.1/?key=zzz");
	char err[CONFIG_ERR_MAX];
	cr_expect_null(outputs_new(&c.out, err, sizeof(err)));
	fprintf(stderr, "%s\n", err);
	config_free(&c);
}

/* Issue 17 item 16: credentials and query tokens reached the log. */
Test(http, url_credentials_and_query_are_redacted_in_the_log)
{
	sink_start(SINK_FAIL);
	char *log = capture_stderr(failing_post_with_secrets, NULL);
	sink_stop();
	cr_expect(strstr(log, "answered HTTP 500") != NULL, "%s", log);
	cr_expect_null(strstr(log, "s3cret"), "%s", log);
	cr_expect_null(strstr(log, "alice"), "%s", log);
	cr_expect_null(strstr(log, "abc123"), "%s", log);
	cr_expect_null(strstr(log, "hunter2"), "%s", log);
	cr_expect_null(strstr(log, "zzz"), "%s", log);
	char want[96];
	snprintf(want, sizeof(want), "http://***@127.0.0.1:%d/hook?***", sink.port);
	cr_expect(strstr(log, want) != NULL, "%s", log);
	cr_expect(strstr(log, "'ftp://***@127.0.0.1/?***'") != NULL, "%s", log);
}
