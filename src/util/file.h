/*
 * file.h — open and read a small file that someone else may control
 * (rules, config, /proc entries, container runtime state). The open never
 * blocks on a FIFO (O_NONBLOCK), never leaks into children (O_CLOEXEC), and
 * anything that is not a regular file is refused before a byte is read; the
 * read stops at a stated bound, so a huge or endless file costs nothing.
 */
#ifndef KESTREL_FILE_H
#define KESTREL_FILE_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/stat.h>

/* Flags for file_open_regular() and file_read_small(). */
#define FILE_NOFOLLOW 0x1      /* refuse a symlink as the last component */
#define FILE_TRUSTED_OWNER 0x2 /* refuse files not owned by root or our euid */
#define FILE_TRUNCATE 0x4      /* a longer file yields its first max bytes */

/*
 * Opens path (relative to dirfd, or AT_FDCWD) read-only and checks it is a
 * regular file (and the flags' conditions). The fd, with *st filled when st
 * is not NULL; or -1 with errno set and err naming path and the reason.
 */
int file_open_regular(int dirfd, const char *path, unsigned flags, struct stat *st, char *err,
                      size_t errlen);

/*
 * Reads at most max bytes from fd into a malloc'd NUL-terminated buffer
 * (*len excludes the NUL). A file longer than max is refused (EFBIG) unless
 * FILE_TRUNCATE. The size is not taken from fstat, so /proc files (size 0)
 * read whole. NULL with errno and err set on failure; path names the file.
 */
char *file_read_fd(int fd, const char *path, size_t max, unsigned flags, size_t *len, char *err,
                   size_t errlen);

/*
 * Reads path into the caller's buf without allocating (hot paths: /proc
 * files): at most cap bytes, a longer file is cut there; no NUL is added.
 * The byte count, or -1 with errno set (not a regular file, unreadable).
 */
ssize_t file_read_into(int dirfd, const char *path, char *buf, size_t cap, unsigned flags);

/* file_open_regular() then file_read_fd(); the caller frees the result. */
char *file_read_small(int dirfd, const char *path, size_t max, unsigned flags, size_t *len,
                      char *err, size_t errlen);

#endif
