/*
 * replay.c — feed a raw audit log to the pipeline, one record per line.
 * Reads in large blocks and splits lines in place, so a replay costs little
 * more than reading the file; a line longer than the buffer grows it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "source/replay.h"
#include "util/log.h"

/* Read size; lines longer than this grow the buffer. */
#define REPLAY_BUF_SIZE (128 << 10)

int replay_file(const char *path, struct pipeline *p)
{
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	size_t cap = REPLAY_BUF_SIZE, have = 0;
	unsigned long lineno = 0;
	char *buf;
	int rc = 0;

	if (fd < 0) {
		log_warn("%s", path);
		return -1;
	}
	buf = malloc(cap);
	if (!buf) {
		log_warn("replay buffer");
		if (fd != STDIN_FILENO)
			close(fd);
		return -1;
	}
	for (;;) {
		if (have == cap) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				log_warn("replay buffer");
				rc = -1;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + have, cap - have);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_warn("%s", name);
			rc = -1;
			break;
		}
		int eof = n == 0;
		have += (size_t)n;
		char *s = buf, *end = buf + have;
		for (;;) {
			char *nl = memchr(s, '\n', (size_t)(end - s));
			if (!nl) {
				if (!eof || s == end)
					break;
				nl = end; /* last line without newline */
			}
			lineno++;
			/* '#' lines are annotations in hand-made logs, never records */
			if (nl > s && *s != '#')
				pipeline_feed(p, 0, s, (size_t)(nl - s), 0, name, lineno);
			s = nl < end ? nl + 1 : end;
		}
		have = (size_t)(end - s);
		memmove(buf, s, have);
		if (eof)
			break;
	}
	free(buf);
	if (fd != STDIN_FILENO)
		close(fd);
	pipeline_flush(p);
	return rc;
}
