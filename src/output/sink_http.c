/*
 * sink_http.c — alerts POSTed as Falco JSON to an HTTP(S) endpoint
 * (falcosidekick's / accepts exactly this) by a worker thread, so the event
 * loop only copies the body into a queue bounded in alerts (queue_size)
 * and bytes (OUTPUT_HTTP_QUEUE_BYTES): when the collector is slow or down
 * the queue fills, and further alerts are dropped and counted instead of
 * blocking. Every request has a timeout, and at shutdown an in-flight
 * request is aborted at the drain deadline; failures are counted and
 * logged when the endpoint goes from working to failing. The log names the
 * URL without its credentials and query (output_redact_url()).
 *
 * libcurl is loaded with dlopen() when an HTTP sink is first created, not
 * linked: its dependency tree (TLS, GSSAPI, LDAP, ssh, idn: ~30 libraries)
 * cost every start-up 6-9 ms in the dynamic loader even with HTTP output off.
 */
#include "config.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output/escape.h"
#include "output/output_int.h"
#include "util/log.h"

/* Connection setup never takes longer than this, even with a longer timeout. */
#define HTTP_CONNECT_TIMEOUT_MS 3000
/* Longest User-Agent header line; a longer agent is cut. */
#define HTTP_HEADER_MAX 512
/* Response bytes echoed to the log with http_output.echo. */
#define HTTP_ECHO_MAX 512
/* Longest URL shown in the log (redacted); a longer one is cut. */
#define HTTP_URL_SHOWN_MAX 1024

/* The soname loaded: the ABI (libcurl4, 7.x and 8.x) this file was built against. */
#define HTTP_LIBCURL_SONAME "libcurl.so.4"

/* The libcurl functions this file calls, resolved by dlsym() (http_curl_load). */
struct http_curl {
	CURLcode (*global_init)(long flags);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *c, CURLoption opt, ...);
	CURLcode (*easy_perform)(CURL *c);
	CURLcode (*easy_getinfo)(CURL *c, CURLINFO info, ...);
	const char *(*easy_strerror)(CURLcode rc);
	void (*easy_cleanup)(CURL *c);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
};

static struct http_curl curl;
static const char *curl_soname = HTTP_LIBCURL_SONAME;
static pthread_mutex_t curl_load_lock = PTHREAD_MUTEX_INITIALIZER;
static int curl_loaded;

void sink_http_set_library(const char *soname)
{
	curl_soname = soname ? soname : HTTP_LIBCURL_SONAME;
}

/* Each symbol, and where its address goes in struct http_curl. */
static const struct {
	const char *name;
	size_t off;
} curl_syms[] = {
    {"curl_global_init", offsetof(struct http_curl, global_init)},
    {"curl_global_cleanup", offsetof(struct http_curl, global_cleanup)},
    {"curl_easy_init", offsetof(struct http_curl, easy_init)},
    {"curl_easy_setopt", offsetof(struct http_curl, easy_setopt)},
    {"curl_easy_perform", offsetof(struct http_curl, easy_perform)},
    {"curl_easy_getinfo", offsetof(struct http_curl, easy_getinfo)},
    {"curl_easy_strerror", offsetof(struct http_curl, easy_strerror)},
    {"curl_easy_cleanup", offsetof(struct http_curl, easy_cleanup)},
    {"curl_slist_append", offsetof(struct http_curl, slist_append)},
    {"curl_slist_free_all", offsetof(struct http_curl, slist_free_all)},
};

/*
 * Loads libcurl once per process (0, or -1 with err naming the library and
 * what is missing). The handle is never closed: libcurl and its TLS library
 * keep process-wide state, and a SIGHUP reload must not unload them under
 * a worker that is still draining.
 */
static int http_curl_load(char *err, size_t errlen)
{
	int rc = 0;
	pthread_mutex_lock(&curl_load_lock);
	if (curl_loaded)
		goto out;
	void *lib = dlopen(curl_soname, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		snprintf(err, errlen,
		         "http_output: cannot load %s (%s): install libcurl4 for HTTP output",
		         curl_soname, dlerror());
		rc = -1;
		goto out;
	}
	struct http_curl t;
	for (size_t i = 0; i < sizeof(curl_syms) / sizeof(curl_syms[0]); i++) {
		void *fn = dlsym(lib, curl_syms[i].name);
		if (!fn) {
			snprintf(err, errlen, "http_output: %s has no %s", curl_soname,
			         curl_syms[i].name);
			dlclose(lib);
			rc = -1;
			goto out;
		}
		/* POSIX guarantees a dlsym() address converts to a function pointer. */
		memcpy((char *)&t + curl_syms[i].off, &fn, sizeof(fn));
	}
	curl = t;
	curl_loaded = 1;
out:
	pthread_mutex_unlock(&curl_load_lock);
	return rc;
}

struct http_item {
	char *body;
	size_t len;
};

struct http_sink {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct http_item *queue; /* ring of cap items */
	size_t cap, head, count;
	size_t bytes; /* bodies queued */
	int closing;
	struct timespec drain_deadline;
	CURL *curl;
	struct curl_slist *headers;
	int echo;
	char *url;   /* redacted: for the log only */
	int failing; /* the last request failed: log only on transitions */
	uint64_t sent, failed, dropped;
	char errbuf[CURL_ERROR_SIZE];
};

static size_t discard_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct http_sink *h = arg;
	size_t n = size * nmemb;
	if (h->echo) {
		char *esc = NULL;
		char buf[HTTP_ECHO_MAX + 1];
		size_t k = n < HTTP_ECHO_MAX ? n : HTTP_ECHO_MAX;
		memcpy(buf, ptr, k);
		buf[k] = '\0';
		esc = output_escape_dup(buf);
		log_info("http_output: %s answered: %s", h->url, esc ? esc : "");
		free(esc);
	}
	return n;
}

static int past(const struct timespec *deadline);

/* libcurl's progress callback: aborts the transfer once the drain deadline passed. */
static int abort_at_deadline(void *arg, curl_off_t dlt, curl_off_t dln, curl_off_t ult,
                             curl_off_t uln)
{
	(void)dlt, (void)dln, (void)ult, (void)uln;
	struct http_sink *h = arg;
	pthread_mutex_lock(&h->lock);
	int stop = h->closing && past(&h->drain_deadline);
	pthread_mutex_unlock(&h->lock);
	return stop;
}

static void post_one(struct http_sink *h, const struct http_item *it)
{
	long status = 0;
	curl.easy_setopt(h->curl, CURLOPT_POSTFIELDS, it->body);
	curl.easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE, (long)it->len);
	h->errbuf[0] = '\0';
	CURLcode rc = curl.easy_perform(h->curl);
	if (rc == CURLE_OK)
		curl.easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
	int ok = rc == CURLE_OK && status >= 200 && status < 300;
	pthread_mutex_lock(&h->lock);
	if (ok)
		h->sent++;
	else if (rc == CURLE_ABORTED_BY_CALLBACK)
		h->dropped++; /* abandoned at the drain deadline */
	else
		h->failed++;
	pthread_mutex_unlock(&h->lock);
	if (rc == CURLE_ABORTED_BY_CALLBACK) {
		log_warnx("http_output: POST %s abandoned at shutdown (drain limit %d ms)", h->url,
		          OUTPUT_DRAIN_MS);
		return;
	}
	if (!ok && !h->failing) {
		if (rc != CURLE_OK)
			log_warnx("http_output: POST %s failed: %s", h->url,
			          h->errbuf[0] ? h->errbuf : curl.easy_strerror(rc));
		else
			log_warnx("http_output: POST %s answered HTTP %ld", h->url, status);
	} else if (ok && h->failing) {
		log_info("http_output: POST %s works again", h->url);
	}
	h->failing = !ok;
}

static int past(const struct timespec *deadline)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	return now.tv_sec > deadline->tv_sec ||
	       (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

static void *worker(void *arg)
{
	struct http_sink *h = arg;
	pthread_mutex_lock(&h->lock);
	for (;;) {
		while (h->count == 0 && !h->closing)
			pthread_cond_wait(&h->cond, &h->lock);
		if (h->count == 0 || (h->closing && past(&h->drain_deadline)))
			break;
		struct http_item it = h->queue[h->head];
		h->head = (h->head + 1) % h->cap;
		h->count--;
		h->bytes -= it.len;
		pthread_mutex_unlock(&h->lock);
		post_one(h, &it);
		free(it.body);
		pthread_mutex_lock(&h->lock);
	}
	/* Whatever the drain deadline left behind is dropped, and counted. */
	while (h->count > 0) {
		h->bytes -= h->queue[h->head].len;
		free(h->queue[h->head].body);
		h->head = (h->head + 1) % h->cap;
		h->count--;
		h->dropped++;
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

static int setup_curl(struct http_sink *h, const struct output_opts *opts)
{
	CURL *c = h->curl;
	char ua[HTTP_HEADER_MAX];
	snprintf(ua, sizeof(ua), "User-Agent: %s",
	         opts->http_user_agent ? opts->http_user_agent : "");
	struct curl_slist *l = curl.slist_append(NULL, "Content-Type: application/json");
	if (l)
		h->headers = l;
	if (!l || !(l = curl.slist_append(h->headers, ua)))
		return -1;
	h->headers = l;
	curl.easy_setopt(c, CURLOPT_URL, opts->http_url);
	curl.easy_setopt(c, CURLOPT_HTTPHEADER, h->headers);
	curl.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl.easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)opts->http_timeout_ms);
	curl.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	                 (long)(opts->http_timeout_ms < HTTP_CONNECT_TIMEOUT_MS
	                            ? opts->http_timeout_ms
	                            : HTTP_CONNECT_TIMEOUT_MS));
	curl.easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
	curl.easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_body);
	curl.easy_setopt(c, CURLOPT_WRITEDATA, h);
	curl.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl.easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl.easy_setopt(c, CURLOPT_XFERINFOFUNCTION, abort_at_deadline);
	curl.easy_setopt(c, CURLOPT_XFERINFODATA, h);
	if (!opts->http_keep_alive)
		curl.easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
	if (opts->http_insecure) {
		curl.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (opts->http_ca_bundle && *opts->http_ca_bundle)
		curl.easy_setopt(c, CURLOPT_CAINFO, opts->http_ca_bundle);
	if (opts->http_ca_cert && *opts->http_ca_cert)
		curl.easy_setopt(c, CURLOPT_CAINFO, opts->http_ca_cert);
	if (opts->http_ca_path && *opts->http_ca_path)
		curl.easy_setopt(c, CURLOPT_CAPATH, opts->http_ca_path);
	if (opts->http_mtls) {
		curl.easy_setopt(c, CURLOPT_SSLCERT, opts->http_client_cert);
		curl.easy_setopt(c, CURLOPT_SSLKEY, opts->http_client_key);
	}
	return 0;
}

/* Where the authority (after "scheme://") of url ends. */
static size_t authority_end(const char *url, size_t from)
{
	return from + strcspn(url + from, "/?#");
}

void output_redact_url(char *buf, size_t len, const char *url)
{
	const char *sep = strstr(url, "://");
	size_t from = sep ? (size_t)(sep - url) + 3 : 0;
	size_t end = authority_end(url, from);
	const char *at = memchr(url + from, '@', end - from);
	const char *host = at ? at + 1 : url + from;
	size_t hostlen = end - (size_t)(host - url);
	size_t pathlen = strcspn(url + end, "?#");
	int query = url[end + pathlen] != '\0';
	snprintf(buf, len, "%.*s%s%.*s%.*s%s", (int)from, url, at ? "***@" : "", (int)hostlen, host,
	         (int)pathlen, url + end, query ? "?***" : "");
}

struct http_sink *sink_http_new(const struct output_opts *opts, char *err, size_t errlen)
{
	if (!opts->http_url || !*opts->http_url) {
		snprintf(err, errlen, "http_output.url: no URL given");
		return NULL;
	}
	char shown[HTTP_URL_SHOWN_MAX];
	output_redact_url(shown, sizeof(shown), opts->http_url);
	if (strncmp(opts->http_url, "http://", 7) != 0 &&
	    strncmp(opts->http_url, "https://", 8) != 0) {
		snprintf(err, errlen, "http_output.url: '%s' is not an http:// or https:// URL",
		         shown);
		return NULL;
	}
	if (http_curl_load(err, errlen) < 0)
		return NULL;
	struct http_sink *h = calloc(1, sizeof(*h));
	if (!h || !(h->queue = calloc((size_t)opts->http_queue_size, sizeof(*h->queue))) ||
	    !(h->url = strdup(shown))) {
		if (h) {
			free(h->queue);
			free(h);
		}
		snprintf(err, errlen, "http_output: out of memory");
		return NULL;
	}
	h->cap = (size_t)opts->http_queue_size;
	h->echo = opts->http_echo;
	curl.global_init(CURL_GLOBAL_DEFAULT);
	if (!(h->curl = curl.easy_init()) || setup_curl(h, opts) < 0) {
		snprintf(err, errlen, "http_output: cannot set up libcurl for %s", shown);
		goto err;
	}
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->cond, NULL);
	/* the worker takes no signals: the daemon reads them from a signalfd,
	 * and a thread that left them unblocked would die of SIGHUP/SIGUSR1 */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int prc = pthread_create(&h->thread, NULL, worker, h);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (prc != 0) {
		snprintf(err, errlen, "http_output: cannot start the worker thread");
		pthread_cond_destroy(&h->cond);
		pthread_mutex_destroy(&h->lock);
		goto err;
	}
	return h;
err:
	curl.slist_free_all(h->headers);
	if (h->curl)
		curl.easy_cleanup(h->curl);
	curl.global_cleanup();
	free(h->url);
	free(h->queue);
	free(h);
	return NULL;
}

int sink_http_push(struct http_sink *h, const char *body, size_t len)
{
	pthread_mutex_lock(&h->lock);
	if (h->count == h->cap || h->closing || h->bytes + len > OUTPUT_HTTP_QUEUE_BYTES) {
		h->dropped++;
		pthread_mutex_unlock(&h->lock);
		return -1;
	}
	pthread_mutex_unlock(&h->lock);
	/* Copy outside the lock: the worker may be reading the queue. */
	char *copy = malloc(len + 1);
	if (!copy) {
		pthread_mutex_lock(&h->lock);
		h->dropped++;
		pthread_mutex_unlock(&h->lock);
		return -1;
	}
	memcpy(copy, body, len);
	copy[len] = '\0';
	pthread_mutex_lock(&h->lock);
	if (h->count == h->cap || h->closing || h->bytes + len > OUTPUT_HTTP_QUEUE_BYTES) {
		h->dropped++;
		pthread_mutex_unlock(&h->lock);
		free(copy);
		return -1;
	}
	h->queue[(h->head + h->count) % h->cap] = (struct http_item){copy, len};
	h->count++;
	h->bytes += len;
	pthread_cond_signal(&h->cond);
	pthread_mutex_unlock(&h->lock);
	return 0;
}

void sink_http_stats(struct http_sink *h, struct outputs_stats *st)
{
	pthread_mutex_lock(&h->lock);
	st->http_sent = h->sent;
	st->http_failed = h->failed;
	st->http_dropped = h->dropped;
	pthread_mutex_unlock(&h->lock);
}

void sink_http_drain(struct http_sink *h, const struct timespec *deadline)
{
	pthread_mutex_lock(&h->lock);
	h->closing = 1;
	h->drain_deadline = *deadline;
	pthread_cond_signal(&h->cond);
	pthread_mutex_unlock(&h->lock);
	pthread_join(h->thread, NULL);
	if (h->dropped)
		log_warnx("http_output: %llu alerts dropped (queue full, or not sent by the "
		          "shutdown deadline)",
		          (unsigned long long)h->dropped);
}

void sink_http_free(struct http_sink *h)
{
	curl.slist_free_all(h->headers);
	curl.easy_cleanup(h->curl);
	curl.global_cleanup();
	pthread_cond_destroy(&h->cond);
	pthread_mutex_destroy(&h->lock);
	free(h->url);
	free(h->queue);
	free(h);
}
