/*
 * file.c — bounded reads of small regular files (file.h). Every reader of
 * files an attacker may have written goes through here, so the checks are
 * in one place: no FIFOs or devices, no unbounded reads, no fd leaks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/file.h"

static void set_err(char *err, size_t errlen, const char *path, const char *why)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", path, why);
}

int file_open_regular(int dirfd, const char *path, unsigned flags, struct stat *st, char *err,
                      size_t errlen)
{
	int oflags = O_RDONLY | O_NONBLOCK | O_CLOEXEC;
	struct stat sb;
	int fd, saved;

	if (flags & FILE_NOFOLLOW)
		oflags |= O_NOFOLLOW;
	fd = openat(dirfd, path, oflags);
	if (fd < 0) {
		set_err(err, errlen, path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) < 0) {
		saved = errno;
		set_err(err, errlen, path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(sb.st_mode)) {
		saved = EINVAL;
		set_err(err, errlen, path, "not a regular file");
		goto fail;
	}
	if ((flags & FILE_TRUSTED_OWNER) && sb.st_uid != 0 && sb.st_uid != geteuid()) {
		saved = EPERM;
		set_err(err, errlen, path, "owned by another user");
		goto fail;
	}
	if (st)
		*st = sb;
	return fd;
fail:
	close(fd);
	errno = saved;
	return -1;
}

/* Reads until EOF or want bytes; the count read, or -1. */
static ssize_t read_upto(int fd, char *p, size_t want)
{
	size_t got = 0;

	while (got < want) {
		ssize_t r = read(fd, p + got, want - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* First buffer when fstat gives no size (/proc files say 0). */
#define FILE_FIRST_CHUNK 4096

/* A buffer for a file of about hint bytes read under a bound of max. */
static size_t first_size(int fd, size_t max)
{
	struct stat st;
	size_t want = FILE_FIRST_CHUNK;

	if (fstat(fd, &st) == 0 && st.st_size > 0)
		want = (size_t)st.st_size + 1; /* +1 sees EOF in one read */
	return want < max + 1 ? want : max + 1;
}

char *file_read_fd(int fd, const char *path, size_t max, unsigned flags, size_t *len, char *err,
                   size_t errlen)
{
	/* Reads up to max + 1 bytes: one byte past max tells "exactly max"
	 * from "longer". */
	size_t cap = first_size(fd, max), got = 0;
	char *p = malloc(cap + 1), *np;
	ssize_t r;

	while (p) {
		r = read_upto(fd, p + got, cap - got);
		if (r < 0)
			goto fail;
		got += (size_t)r;
		if (got < cap || cap == max + 1)
			break; /* EOF, or the bound is reached */
		cap = cap > (max + 1) / 2 ? max + 1 : cap * 2;
		np = realloc(p, cap + 1);
		if (!np)
			free(p);
		p = np;
	}
	if (!p) {
		errno = ENOMEM;
		goto fail;
	}
	if (got > max) {
		if (!(flags & FILE_TRUNCATE)) {
			set_err(err, errlen, path, "larger than the limit");
			free(p);
			errno = EFBIG;
			return NULL;
		}
		got = max;
	}
	p[got] = '\0';
	if (len)
		*len = got;
	return p;
fail:;
	int saved = errno;

	set_err(err, errlen, path, strerror(saved));
	free(p);
	errno = saved;
	return NULL;
}

ssize_t file_read_into(int dirfd, const char *path, char *buf, size_t cap, unsigned flags)
{
	int fd = file_open_regular(dirfd, path, flags, NULL, NULL, 0);
	ssize_t got;
	int saved;

	if (fd < 0)
		return -1;
	got = read_upto(fd, buf, cap);
	saved = errno;
	close(fd);
	errno = saved;
	return got;
}

char *file_read_small(int dirfd, const char *path, size_t max, unsigned flags, size_t *len,
                      char *err, size_t errlen)
{
	int fd = file_open_regular(dirfd, path, flags, NULL, err, errlen);
	char *p;
	int saved;

	if (fd < 0)
		return NULL;
	p = file_read_fd(fd, path, max, flags, len, err, errlen);
	saved = errno;
	close(fd);
	errno = saved;
	return p;
}
