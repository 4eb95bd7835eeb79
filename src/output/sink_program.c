/*
 * sink_program.c — alerts written, one line each, to a program's stdin
 * (sh -c program; kept running with keep_alive, else started per alert as
 * Falco does). A worker thread does the writing behind a queue bounded in
 * alerts and bytes, so a program that stops reading, or one that takes its
 * time to exit, never stalls the event loop: the queue fills, and further
 * alerts are dropped and counted. The program parses attacker-controlled
 * text, so it runs without any capability (see drop_capabilities()).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "output/output_int.h"
#include "util/log.h"

/* Highest capability number tried when emptying the bounding set. */
#define PROGRAM_CAP_LAST 63
/* Exit status of a child that could not drop its capabilities or exec. */
#define PROGRAM_EXIT_SETUP 126

struct program_item {
	char *line; /* alert + "\n" */
	size_t len;
};

struct program_sink {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;        /* work queued, restart or closing */
	pthread_cond_t idle;        /* the worker finished */
	struct program_item *queue; /* ring of OUTPUT_PROGRAM_QUEUE_ALERTS */
	size_t head, count, bytes;
	int closing, abandon, restart, finished;
	char *cmd;
	int keep_alive;
	pid_t child; /* running program, 0 if none; under lock, so drain can kill it */
	int wfd;     /* its stdin; the worker's alone */
	uint64_t dropped, errors;
	int failing;
};

/*
 * In the child, before exec: an empty bounding set (needs CAP_SETPCAP; best
 * effort), no ambient, inheritable, permitted or effective capability, and
 * no_new_privs, so exec (even as root, even of a set-uid file) cannot give
 * any back. Async-signal-safe calls only: the parent has threads.
 */
static int drop_capabilities(void)
{
	for (int c = 0; c <= PROGRAM_CAP_LAST; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno == EINVAL)
			break;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -1;
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

/* Starts the program with a pipe to its stdin; -1 on failure. */
static int spawn(struct program_sink *p)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL); /* the worker blocks all */
		signal(SIGPIPE, SIG_DFL);
		if (dup2(fds[0], STDIN_FILENO) < 0 || drop_capabilities() < 0)
			_exit(PROGRAM_EXIT_SETUP);
		execl("/bin/sh", "sh", "-c", p->cmd, (char *)NULL);
		_exit(PROGRAM_EXIT_SETUP);
	}
	close(fds[0]);
	pthread_mutex_lock(&p->lock);
	p->child = pid;
	if (p->abandon) /* drain gave up while this one started */
		kill(pid, SIGKILL);
	pthread_mutex_unlock(&p->lock);
	p->wfd = fds[1];
	return 0;
}

/* Closes the program's stdin and waits for it (drain may kill it meanwhile). */
static void reap(struct program_sink *p)
{
	if (p->wfd >= 0)
		close(p->wfd);
	p->wfd = -1;
	pid_t pid = p->child;
	if (pid <= 0)
		return;
	siginfo_t si;
	/* wait without reaping, so the pid stays ours while drain may kill it */
	while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0 && errno == EINTR)
		;
	pthread_mutex_lock(&p->lock);
	p->child = 0;
	pthread_mutex_unlock(&p->lock);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Writes one alert line, starting the program if needed; logs on transitions. */
static void deliver(struct program_sink *p, const struct program_item *it)
{
	int ok = (p->wfd >= 0 || spawn(p) == 0) && write_all(p->wfd, it->line, it->len) == 0;
	int errnum = errno;
	if (!ok || !p->keep_alive)
		reap(p); /* a dead program (EPIPE) is started again on the next alert */
	pthread_mutex_lock(&p->lock);
	if (!ok && p->abandon)
		p->dropped++;
	else if (!ok)
		p->errors++;
	pthread_mutex_unlock(&p->lock);
	if (!ok && !p->failing)
		log_warnx("program_output: cannot write an alert to '%s' (%s): counted as a "
		          "write error, the program is started again for the next alert",
		          p->cmd, strerror(errnum));
	p->failing = !ok;
}

static void *worker(void *arg)
{
	struct program_sink *p = arg;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (p->count == 0 && !p->closing && !p->restart)
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->restart) {
			p->restart = 0;
			pthread_mutex_unlock(&p->lock);
			reap(p);
			pthread_mutex_lock(&p->lock);
			continue;
		}
		if (p->count == 0 || p->abandon)
			break;
		struct program_item it = p->queue[p->head];
		p->head = (p->head + 1) % OUTPUT_PROGRAM_QUEUE_ALERTS;
		p->count--;
		p->bytes -= it.len;
		pthread_mutex_unlock(&p->lock);
		deliver(p, &it);
		free(it.line);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	reap(p);
	pthread_mutex_lock(&p->lock);
	while (p->count > 0) { /* left by the drain deadline: dropped, counted */
		free(p->queue[p->head].line);
		p->head = (p->head + 1) % OUTPUT_PROGRAM_QUEUE_ALERTS;
		p->count--;
		p->dropped++;
	}
	p->finished = 1;
	pthread_cond_signal(&p->idle);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct program_sink *sink_program_new(const char *cmd, int keep_alive, char *err, size_t errlen)
{
	struct program_sink *p = calloc(1, sizeof(*p));
	if (!p || !(p->queue = calloc(OUTPUT_PROGRAM_QUEUE_ALERTS, sizeof(*p->queue))) ||
	    !(p->cmd = strdup(cmd))) {
		if (p)
			free(p->queue);
		free(p);
		snprintf(err, errlen, "program_output: out of memory");
		return NULL;
	}
	p->keep_alive = keep_alive;
	p->wfd = -1;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	pthread_cond_init(&p->idle, NULL);
	/* the worker takes no signals: the daemon reads them from a signalfd */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int prc = pthread_create(&p->thread, NULL, worker, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (prc != 0) {
		snprintf(err, errlen, "program_output: cannot start the worker thread");
		pthread_cond_destroy(&p->idle);
		pthread_cond_destroy(&p->cond);
		pthread_mutex_destroy(&p->lock);
		free(p->cmd);
		free(p->queue);
		free(p);
		return NULL;
	}
	return p;
}

int sink_program_push(struct program_sink *p, const char *line, size_t len)
{
	char *copy = malloc(len + 1);
	if (copy) {
		memcpy(copy, line, len);
		copy[len] = '\n';
	}
	pthread_mutex_lock(&p->lock);
	if (!copy || p->closing || p->count == OUTPUT_PROGRAM_QUEUE_ALERTS ||
	    p->bytes + len + 1 > OUTPUT_PROGRAM_QUEUE_BYTES) {
		p->dropped++;
		pthread_mutex_unlock(&p->lock);
		free(copy);
		return -1;
	}
	p->queue[(p->head + p->count) % OUTPUT_PROGRAM_QUEUE_ALERTS] =
	    (struct program_item){copy, len + 1};
	p->count++;
	p->bytes += len + 1;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

void sink_program_restart(struct program_sink *p)
{
	pthread_mutex_lock(&p->lock);
	p->restart = 1;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

void sink_program_stats(struct program_sink *p, struct outputs_stats *st)
{
	pthread_mutex_lock(&p->lock);
	st->program_dropped = p->dropped;
	st->write_errors += p->errors;
	pthread_mutex_unlock(&p->lock);
}

void sink_program_drain(struct program_sink *p, const struct timespec *deadline)
{
	pthread_mutex_lock(&p->lock);
	p->closing = 1;
	pthread_cond_signal(&p->cond);
	while (!p->finished && pthread_cond_timedwait(&p->idle, &p->lock, deadline) != ETIMEDOUT)
		;
	if (!p->finished) {
		/* deadline: stop the program, whatever it is blocked in */
		p->abandon = 1;
		if (p->child > 0)
			kill(p->child, SIGKILL);
		while (!p->finished)
			pthread_cond_wait(&p->idle, &p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	if (p->dropped)
		log_warnx("program_output: %llu alerts dropped (queue full or not written at exit)",
		          (unsigned long long)p->dropped);
}

void sink_program_free(struct program_sink *p)
{
	pthread_cond_destroy(&p->idle);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free(p->cmd);
	free(p->queue);
	free(p);
}
