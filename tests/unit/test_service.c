/*
 * test_service.c — the service manager's side of kestrel without
 * libsystemd: notify datagrams to $NOTIFY_SOCKET (a path and an abstract
 * name), the watchdog period from $WATCHDOG_USEC / $WATCHDOG_PID, and the
 * webserver's message when libmicrohttpd cannot be loaded.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/service.h"
#include "daemon/webserver.h"
#include "testutil.h"

/* A datagram socket bound to name ('@' first: abstract); its fd. */
static int listener(const char *name)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd, 0);
	memcpy(sa.sun_path, name, n);
	if (name[0] == '@')
		sa.sun_path[0] = '\0';
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa,
	                  (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)),
	             0, "bind %s", name);
	return fd;
}

/* The next datagram on fd (non-blocking: "" when none was sent). */
static const char *received(int fd)
{
	static char buf[512];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

Test(service, notify_sends_one_datagram_to_a_socket_path)
{
	char dir[256], path[300];
	tu_mkdtemp(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	int fd = listener(path);
	setenv("NOTIFY_SOCKET", path, 1);
	service_notify("READY=1");
	cr_expect_str_eq(received(fd), "READY=1");
	service_status("loaded %d rules", 42);
	cr_expect_str_eq(received(fd), "STATUS=loaded 42 rules");
	service_notify("RELOADING=1\nMONOTONIC_USEC=12345");
	cr_expect_str_eq(received(fd), "RELOADING=1\nMONOTONIC_USEC=12345");
	unsetenv("NOTIFY_SOCKET");
	service_notify("STOPPING=1");
	cr_expect_str_eq(received(fd), "", "sent without NOTIFY_SOCKET");
	close(fd);
	tu_rmtree(dir);
}

Test(service, notify_reaches_an_abstract_socket)
{
	char name[64];
	snprintf(name, sizeof(name), "@kestrel-test-notify-%ld", (long)getpid());
	int fd = listener(name);
	setenv("NOTIFY_SOCKET", name, 1);
	service_notify("WATCHDOG=1");
	cr_expect_str_eq(received(fd), "WATCHDOG=1");
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	service_notify("READY=1"); /* neither '/' nor '@': ignored, no crash */
	cr_expect_str_eq(received(fd), "");
	close(fd);
}

Test(service, watchdog_period_is_half_the_timeout_for_this_pid_only)
{
	char pid[32];
	unsetenv("WATCHDOG_PID");
	unsetenv("WATCHDOG_USEC");
	cr_expect_eq(service_watchdog_init(), 0);
	setenv("WATCHDOG_USEC", "30000000", 1);
	cr_expect_eq(service_watchdog_init(), 15000);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	cr_expect_eq(service_watchdog_init(), 15000);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid() + 1);
	setenv("WATCHDOG_PID", pid, 1);
	cr_expect_eq(service_watchdog_init(), 0, "watchdog meant for another pid");
	unsetenv("WATCHDOG_PID");
	setenv("WATCHDOG_USEC", "1000", 1);
	cr_expect_eq(service_watchdog_init(), 1, "sub-ms period rounds up to 1 ms");
	setenv("WATCHDOG_USEC", "12x", 1);
	cr_expect_eq(service_watchdog_init(), 0);
	setenv("WATCHDOG_USEC", "-5", 1);
	cr_expect_eq(service_watchdog_init(), 0);
	unsetenv("WATCHDOG_USEC");
}

Test(service, webserver_names_the_package_when_libmicrohttpd_is_missing)
{
#ifdef HAVE_MICROHTTPD
	struct webserver_opts o = {"127.0.0.1", 0, "/healthz", 0};
	char err[512] = "";
	webserver_set_library("libkestrel-no-such-library.so.12");
	cr_expect_null(webserver_start(&o, NULL, err, sizeof(err)));
	cr_expect(strstr(err, "libkestrel-no-such-library.so.12") != NULL, "error '%s'", err);
	cr_expect(strstr(err, "install libmicrohttpd12") != NULL, "error '%s'", err);
	webserver_set_library(NULL);
#else
	cr_skip_test("built without libmicrohttpd");
#endif
}
