/*
 * webserver.h — health and metrics over HTTP (Falco's `webserver:` keys),
 * served by libmicrohttpd in its own thread, so a slow or hostile client
 * never stalls the event loop. GET only:
 *   <k8s_healthz_endpoint> (default /healthz): 200 {"status": "ok"} while
 *       the event loop publishes its snapshot, 503 when the last one is
 *       older than METRICS_STALE_MS (a wedged loop);
 *   /metrics (webserver.prometheus_metrics_enabled): the snapshot in the
 *       Prometheus text format (metrics.h).
 * Anything else is 404; other methods 405. Connections are limited in
 * number and time.
 *
 * Memory: webserver_start() allocates; webserver_stop() stops the thread
 * and frees. libmicrohttpd is loaded (dlopen) by the first
 * webserver_start(), so a kestrel with the webserver off never maps it;
 * when it is missing, or kestrel was built without it, webserver_start()
 * fails with a message saying so (and which package to install).
 */
#ifndef KESTREL_DAEMON_WEBSERVER_H
#define KESTREL_DAEMON_WEBSERVER_H

#include <stddef.h>

struct metrics;
struct webserver;

struct webserver_opts {
	const char *listen_address; /* IPv4 or IPv6 literal */
	int port;
	const char *healthz_path;
	int prometheus; /* serve /metrics */
};

/* Binds and starts the thread. NULL with err naming the address on error. */
struct webserver *webserver_start(const struct webserver_opts *o, struct metrics *m, char *err,
                                  size_t errlen);
void webserver_stop(struct webserver *ws);

/* Tests: the soname the next webserver_start() loads (NULL: the default). */
void webserver_set_library(const char *soname);

#endif
