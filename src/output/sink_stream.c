/*
 * sink_stream.c — the line-oriented sinks: stdout, a file (appended to with
 * one write(2) per alert, kept open with keep_alive and reopened on SIGHUP
 * for logrotate) and a program (sh -c, reading alerts on stdin; kept
 * running with keep_alive, else started per alert as Falco does).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output/output_int.h"
#include "util/log.h"

/* Alerts may carry sensitive command lines: not world-readable. */
#define FILE_OUTPUT_MODE 0640

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
	if (o->file_keep_alive)
		o->file_fd = fd;
	else
		close(fd);
	return 0;
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
	struct outbuf *b = line == o->text.p ? &o->text : &o->json;
	if (outbuf_putc(b, '\n') < 0)
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
	if (o->file_keep_alive && o->file_fd >= 0)
		return write_line(o->file_fd, o, line, len);
	int fd = open(o->file_name, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, FILE_OUTPUT_MODE);
	if (fd < 0)
		return -1;
	int rc = write_line(fd, o, line, len);
	close(fd);
	if (o->file_keep_alive && rc == 0)
		o->file_fd = open(o->file_name, O_WRONLY | O_APPEND | O_CLOEXEC);
	return rc;
}

void sink_program_close(struct outputs *o)
{
	if (o->program_pipe)
		pclose(o->program_pipe);
	o->program_pipe = NULL;
}

int sink_program_write(struct outputs *o, const char *line, size_t len)
{
	if (!o->program_pipe) {
		/* popen runs "sh -c program"; the child must not keep our fds */
		o->program_pipe = popen(o->program_cmd, "we");
		if (!o->program_pipe)
			return -1;
	}
	int rc = 0;
	if (fwrite(line, 1, len, o->program_pipe) != len || fputc('\n', o->program_pipe) == EOF ||
	    fflush(o->program_pipe) == EOF) {
		rc = -1;
		/* The program died (EPIPE): start it again on the next alert. */
		sink_program_close(o);
		return rc;
	}
	if (!o->program_keep_alive)
		sink_program_close(o);
	return rc;
}
