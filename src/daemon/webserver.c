/*
 * webserver.c — /healthz and /metrics on libmicrohttpd's internal thread.
 * The handler reads only the metrics snapshot (under its mutex, metrics.h);
 * it never touches the event loop's state. See webserver.h.
 *
 * libmicrohttpd is loaded with dlopen() by the first webserver_start(), not
 * linked: its TLS dependency tree (gnutls, nettle, gmp, p11-kit, ...) cost
 * every start-up of kestrel its relocations although the webserver is off
 * by default.
 */
#include "config.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#ifdef HAVE_MICROHTTPD
#include <microhttpd.h>
#endif

#include "daemon/metrics.h"
#include "daemon/webserver.h"
#include "util/log.h"
#include "util/clock.h"

/* Concurrent connections and idle seconds per connection. */
#define WEB_MAX_CONNECTIONS 16
#define WEB_TIMEOUT_S 10
#define WEB_PATH_MAX 256

#ifdef HAVE_MICROHTTPD
/* The soname loaded: the ABI (libmicrohttpd12) this file was built against. */
#define WEB_MHD_SONAME "libmicrohttpd.so.12"

/* The libmicrohttpd functions this file calls, resolved by dlsym() (web_mhd_load). */
static struct web_mhd {
	__typeof__(MHD_start_daemon) *start_daemon;
	__typeof__(MHD_stop_daemon) *stop_daemon;
	__typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
	__typeof__(MHD_add_response_header) *add_response_header;
	__typeof__(MHD_queue_response) *queue_response;
	__typeof__(MHD_destroy_response) *destroy_response;
} mhd;
static const char *mhd_soname = WEB_MHD_SONAME;
static int mhd_loaded;

/* Each symbol, and where its address goes in struct web_mhd. */
static const struct {
	const char *name;
	size_t off;
} mhd_syms[] = {
    {"MHD_start_daemon", offsetof(struct web_mhd, start_daemon)},
    {"MHD_stop_daemon", offsetof(struct web_mhd, stop_daemon)},
    {"MHD_create_response_from_buffer", offsetof(struct web_mhd, create_response_from_buffer)},
    {"MHD_add_response_header", offsetof(struct web_mhd, add_response_header)},
    {"MHD_queue_response", offsetof(struct web_mhd, queue_response)},
    {"MHD_destroy_response", offsetof(struct web_mhd, destroy_response)},
};

void webserver_set_library(const char *soname)
{
	mhd_soname = soname ? soname : WEB_MHD_SONAME;
	mhd_loaded = 0;
}

/*
 * Loads libmicrohttpd once per process (0, or -1 with err naming the
 * library and the package to install). Called from the main thread only;
 * the handle is never closed (a reload restarts the server, not the library).
 */
static int web_mhd_load(char *err, size_t errlen)
{
	if (mhd_loaded)
		return 0;
	void *lib = dlopen(mhd_soname, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		snprintf(err, errlen,
		         "webserver: cannot load %s (%s): install libmicrohttpd12 for the "
		         "webserver",
		         mhd_soname, dlerror());
		return -1;
	}
	struct web_mhd t;
	for (size_t i = 0; i < sizeof(mhd_syms) / sizeof(mhd_syms[0]); i++) {
		void *fn = dlsym(lib, mhd_syms[i].name);
		if (!fn) {
			snprintf(err, errlen, "webserver: %s has no %s", mhd_soname,
			         mhd_syms[i].name);
			dlclose(lib);
			return -1;
		}
		/* POSIX guarantees a dlsym() address converts to a function pointer. */
		memcpy((char *)&t + mhd_syms[i].off, &fn, sizeof(fn));
	}
	mhd = t;
	mhd_loaded = 1;
	return 0;
}

struct webserver {
	struct MHD_Daemon *mhd;
	struct metrics *m;
	char healthz[WEB_PATH_MAX];
	int prometheus;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
                             char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = mhd.create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	mhd.add_response_header(r, "Content-Type", type);
	ret = mhd.queue_response(c, status, r);
	mhd.destroy_response(r);
	return ret;
}

static enum MHD_Result serve_metrics(struct webserver *ws, struct MHD_Connection *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return MHD_NO;
	metrics_render(ws->m, f);
	if (fclose(f) != 0) {
		free(buf);
		return MHD_NO;
	}
	return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", buf, len,
	             MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result serve_healthz(struct webserver *ws, struct MHD_Connection *c)
{
	static char ok[] = "{\"status\": \"ok\"}";
	char buf[128];
	uint64_t age;

	if (metrics_healthy(ws->m, clock_monotonic_ms(), &age))
		return reply(c, MHD_HTTP_OK, "application/json", ok, strlen(ok),
		             MHD_RESPMEM_PERSISTENT);
	if (age == UINT64_MAX)
		snprintf(buf, sizeof(buf), "{\"status\": \"starting\"}");
	else
		snprintf(buf, sizeof(buf), "{\"status\": \"stalled\", \"last_tick_ms_ago\": %llu}",
		         (unsigned long long)age);
	return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "application/json", buf, strlen(buf),
	             MHD_RESPMEM_MUST_COPY);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
	static char notfound[] = "not found\n", badmethod[] = "method not allowed\n";
	struct webserver *ws = cls;

	(void)version;
	(void)upload;
	(void)con_cls;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		*upload_size = 0;
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", badmethod,
		             strlen(badmethod), MHD_RESPMEM_PERSISTENT);
	}
	if (strcmp(url, ws->healthz) == 0)
		return serve_healthz(ws, c);
	if (ws->prometheus && strcmp(url, "/metrics") == 0)
		return serve_metrics(ws, c);
	return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", notfound, strlen(notfound),
	             MHD_RESPMEM_PERSISTENT);
}

/* The listen address as a sockaddr: IPv6 when it has a ':'. */
static int make_addr(const struct webserver_opts *o, struct sockaddr_storage *ss, unsigned *flags)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(o->listen_address, ':')) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)o->port);
		*flags |= MHD_USE_IPv6;
		return inet_pton(AF_INET6, o->listen_address, &a6->sin6_addr) == 1 ? 0 : -1;
	}
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	a4->sin_family = AF_INET;
	a4->sin_port = htons((uint16_t)o->port);
	return inet_pton(AF_INET, o->listen_address, &a4->sin_addr) == 1 ? 0 : -1;
}

struct webserver *webserver_start(const struct webserver_opts *o, struct metrics *m, char *err,
                                  size_t errlen)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;
	struct sockaddr_storage ss;
	struct webserver *ws;

	if (web_mhd_load(err, errlen) < 0)
		return NULL;
	if (make_addr(o, &ss, &flags) < 0) {
		snprintf(err, errlen, "webserver.listen_address '%s': not an IP address",
		         o->listen_address);
		return NULL;
	}
	if (!(ws = calloc(1, sizeof(*ws)))) {
		snprintf(err, errlen, "webserver: out of memory");
		return NULL;
	}
	ws->m = m;
	ws->prometheus = o->prometheus;
	snprintf(ws->healthz, sizeof(ws->healthz), "%s", o->healthz_path);
	ws->mhd = mhd.start_daemon(
	    flags, (uint16_t)o->port, NULL, NULL, handler, ws, MHD_OPTION_SOCK_ADDR,
	    (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT, (unsigned)WEB_MAX_CONNECTIONS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)WEB_TIMEOUT_S, MHD_OPTION_END);
	if (!ws->mhd) {
		snprintf(err, errlen, "webserver: cannot listen on %s port %d", o->listen_address,
		         o->port);
		free(ws);
		return NULL;
	}
	return ws;
}

void webserver_stop(struct webserver *ws)
{
	if (!ws)
		return;
	mhd.stop_daemon(ws->mhd);
	free(ws);
}
#else
void webserver_set_library(const char *soname)
{
	(void)soname;
}

struct webserver *webserver_start(const struct webserver_opts *o, struct metrics *m, char *err,
                                  size_t errlen)
{
	(void)o;
	(void)m;
	snprintf(err, errlen, "webserver: kestrel was built without libmicrohttpd");
	return NULL;
}

void webserver_stop(struct webserver *ws)
{
	(void)ws;
}
#endif
