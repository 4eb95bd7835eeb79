/*
 * sink_stream.c — the line-oriented sinks on the caller's thread: stdout,
 * and a file appended to with one write(2) per alert. The file stays open
 * and is reopened on SIGHUP (logrotate's postrotate); without keep_alive it
 * also follows its name by itself: at most once a second the path's
 * device and inode are compared with the open file's, and a renamed or
 * removed file is replaced by a new one (Falco reopened the file for every
 * alert, 6-9 us each). Program output lives in sink_program.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output/output_int.h"
#include "util/clock.h"
#include "util/log.h"

/* Alerts may carry sensitive command lines: not world-readable. */
#define FILE_OUTPUT_MODE 0640
/* Without keep_alive, how often the file name is checked for a rotation. */
#define FILE_CHECK_NS 1000000000ULL

int sink_stdout_write(struct outputs *o, const char *line, size_t len)
{
	(void)o;
	if (fwrite(line, 1, len, stdout) != len || fputc('\n', stdout) == EOF ||
	    fflush(stdout) == EOF)
		return -1;
	return 0;
}

int sink_file_open(struct outputs *o, char *err, size_t errlen)
{
	if (!*o->file_name) {
		snprintf(err, errlen, "file_output.filename: no file name given");
		return -1;
	}
	int fd = open(o->file_name, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, FILE_OUTPUT_MODE);
	if (fd < 0) {
		snprintf(err, errlen, "file_output: %s: %s", o->file_name, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "file_output: %s: %s", o->file_name, strerror(errno));
		close(fd);
		return -1;
	}
	o->file_fd = fd;
	o->file_dev = st.st_dev;
	o->file_ino = st.st_ino;
	o->file_checked_ns = clock_monotonic_ns();
	return 0;
}

void sink_file_check(struct outputs *o)
{
	if (!o->file_enabled || o->file_keep_alive)
		return;
	uint64_t now = clock_monotonic_ns();
	if (o->file_fd >= 0 && now - o->file_checked_ns < FILE_CHECK_NS)
		return;
	o->file_checked_ns = now;
	struct stat st;
	if (o->file_fd >= 0 && stat(o->file_name, &st) == 0 && st.st_dev == o->file_dev &&
	    st.st_ino == o->file_ino)
		return;
	/* rotated, removed, or not open: a new file under the name */
	char err[OUTPUT_ERR_MAX];
	int old = o->file_fd;
	o->file_fd = -1;
	if (sink_file_open(o, err, sizeof(err)) < 0) {
		log_warnx("outputs: %s", err);
		o->file_fd = old; /* keep writing where we can */
		return;
	}
	if (old >= 0)
		close(old);
}

void sink_file_close(struct outputs *o)
{
	if (o->file_fd >= 0)
		close(o->file_fd);
	o->file_fd = -1;
}

/* One write(2) of line + "\n", so concurrent appenders never interleave. */
static int write_line(int fd, struct outputs *o, const char *line, size_t len)
{
	/* line is o->text or o->json: both have room reserved for one more byte. */
	struct buf *b = line == o->text.p ? &o->text : &o->json;
	if (buf_putc(b, '\n') < 0)
		return -1;
	ssize_t w;
	do
		w = write(fd, b->p, len + 1);
	while (w < 0 && errno == EINTR);
	b->p[--b->len] = '\0';
	if (w > 0 && w < (ssize_t)(len + 1)) {
		/* cut short (ENOSPC, quota): take the partial line back so the
		 * file never holds half an alert that the next one would join */
		off_t end = lseek(fd, 0, SEEK_CUR);
		if (end >= w && ftruncate(fd, end - w) < 0)
			log_warn("file_output: cannot remove a partial alert line");
	}
	return w == (ssize_t)(len + 1) ? 0 : -1;
}

int sink_file_write(struct outputs *o, const char *line, size_t len)
{
	sink_file_check(o);
	if (o->file_fd < 0) {
		char err[OUTPUT_ERR_MAX];
		if (sink_file_open(o, err, sizeof(err)) < 0)
			return -1;
	}
	return write_line(o->file_fd, o, line, len);
}
