/*
 * webserver.c — /healthz and /metrics on libmicrohttpd's internal thread.
 * The handler reads only the metrics snapshot (under its mutex, metrics.h);
 * it never touches the event loop's state. See webserver.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
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
struct webserver {
	struct MHD_Daemon *mhd;
	struct metrics *m;
	char healthz[WEB_PATH_MAX];
	int prometheus;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
                             char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
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
	ws->mhd = MHD_start_daemon(
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
	MHD_stop_daemon(ws->mhd);
	free(ws);
}
#else
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
