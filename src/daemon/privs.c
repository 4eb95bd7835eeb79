/*
 * privs.c — privilege hygiene for the live daemon: after setup (audit
 * socket open, kernel rules in) it keeps only the capabilities the event
 * loop needs (libcap-ng), and before loading anything it refuses config
 * and rules files a non-root user could have written, so an unprivileged
 * user cannot turn kestrel's own rules off or point its outputs elsewhere.
 */
#include "config.h"

#include <cap-ng.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/privs.h"

/* The capabilities the running daemon keeps (see privs.h for why). */
static const unsigned int kept_caps[] = {
	CAP_AUDIT_CONTROL,
	CAP_AUDIT_READ,
	CAP_DAC_READ_SEARCH,
	CAP_SYS_PTRACE,
	/* setns() into a container's mount namespace to add its path rules
	 * (src/kernel/kns.c) needs both */
	CAP_SYS_ADMIN,
	CAP_SYS_CHROOT,
};
#define NKEPT (sizeof(kept_caps) / sizeof(kept_caps[0]))

/* Mode written as 0NNN in messages. */
#define PRIVS_MODE_BITS 07777

uint64_t privs_kept_mask(unsigned flags)
{
	uint64_t m = 0;

	for (size_t i = 0; i < NKEPT; i++)
		m |= 1ull << kept_caps[i];
	if (flags & PRIVS_KEEP_NET_ADMIN)
		m |= 1ull << CAP_NET_ADMIN;
	return m;
}

/* Adds cap to the new state if the process holds it now (in had). */
static void keep_if_held(unsigned int cap, uint64_t had)
{
	if (had & (1ull << cap))
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET,
			     cap);
}

int privs_drop(unsigned flags, char *err, size_t errlen)
{
	uint64_t want = privs_kept_mask(flags);
	uint64_t had = 0;
	unsigned int last = (unsigned int)capng_get_caps_process();

	if (last != 0) {
		snprintf(err, errlen, "capabilities: cannot read this process's capabilities");
		return -1;
	}
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) == CAPNG_NONE)
		return 1;
	for (unsigned int c = 0; c < 64 && c <= CAP_LAST_CAP; c++)
		if (capng_have_capability(CAPNG_PERMITTED, c))
			had |= 1ull << c;
	capng_clear(CAPNG_SELECT_ALL);
	for (unsigned int c = 0; c < 64 && c <= CAP_LAST_CAP; c++)
		if (want & (1ull << c))
			keep_if_held(c, had);
	/* The bounding set can only shrink while CAP_SETPCAP is held; a
	 * service manager may have taken it already: then the capability
	 * sets alone are dropped (the bounding set is what it gave us). */
	if (capng_apply(CAPNG_SELECT_ALL) == 0 || capng_apply(CAPNG_SELECT_CAPS) == 0)
		return 0;
	snprintf(err, errlen, "capabilities: the kernel refused to drop to the kept set: %s",
		 strerror(errno));
	return -1;
}

char *privs_describe(void)
{
	char *s;

	if (capng_get_caps_process() != 0)
		return strdup("unknown");
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) == CAPNG_NONE)
		return strdup("none");
	s = capng_print_caps_text(CAPNG_PRINT_BUFFER, CAPNG_EFFECTIVE);
	return s ? s : strdup("none");
}

/* Why st (of path) lets a non-root user change what path holds, or NULL. */
static const char *unsafe_reason(const struct stat *st, int sticky_ok, char *why, size_t n)
{
	int sticky = S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX) && sticky_ok;
	unsigned mode = (unsigned)(st->st_mode & PRIVS_MODE_BITS);

	if (st->st_uid != 0)
		snprintf(why, n, "owned by uid %u, not root", (unsigned)st->st_uid);
	else if ((st->st_mode & S_IWOTH) && !sticky)
		snprintf(why, n, "writable by others (mode 0%o)", mode);
	else if ((st->st_mode & S_IWGRP) && st->st_gid != 0 && !sticky)
		snprintf(why, n, "writable by group %u (mode 0%o)", (unsigned)st->st_gid, mode);
	else
		return NULL;
	return why;
}

static int refuse(const char *path, const char *what, const char *why, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s%s: refusing it (only root may be able to change "
		 "kestrel's configuration and rules)", path, what, why);
	return -1;
}

/* Checks real (an absolute path without symlinks) and each directory above it. */
static int check_chain(const char *given, const char *real, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	char why[128];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", real);
	for (;;) {
		char *slash = strrchr(dir, '/');
		if (!slash)
			return 0;
		if (slash == dir)
			slash[1] = '\0'; /* "/" itself */
		else
			*slash = '\0';
		if (stat(dir, &st) < 0) {
			snprintf(err, errlen, "%s: cannot check directory %s: %s", given, dir,
				 strerror(errno));
			return -1;
		}
		if (unsafe_reason(&st, 1, why, sizeof(why))) {
			char what[PATH_MAX + 32];
			snprintf(what, sizeof(what), "its directory %s is ", dir);
			return refuse(given, what, why, err, errlen);
		}
		if (strcmp(dir, "/") == 0)
			return 0;
	}
}

static int yaml_file_name(const char *name)
{
	size_t n = strlen(name);

	if (name[0] == '.')
		return 0;
	return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
	       (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

static int check_one(const char *path, int descend, char *err, size_t errlen);

/* rules.d: every file the engine would load from dir. */
static int check_dir_entries(const char *dir, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int rc = 0;

	if (!d)
		return 0; /* the loader reports an unreadable directory */
	while (rc == 0 && (de = readdir(d)) != NULL) {
		char full[PATH_MAX];
		if (!yaml_file_name(de->d_name))
			continue;
		if ((size_t)snprintf(full, sizeof(full), "%s/%s", dir, de->d_name) >= sizeof(full))
			continue;
		rc = check_one(full, 0, err, errlen);
	}
	closedir(d);
	return rc;
}

static int check_one(const char *path, int descend, char *err, size_t errlen)
{
	char real[PATH_MAX];
	char why[128];
	struct stat st;

	if (!realpath(path, real)) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0; /* nothing there to trust or distrust: the loader says so */
		snprintf(err, errlen, "%s: cannot resolve: %s", path, strerror(errno));
		return -1;
	}
	if (stat(real, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) && !(descend && S_ISDIR(st.st_mode)))
		return refuse(path, "", "not a regular file", err, errlen);
	if (unsafe_reason(&st, 0, why, sizeof(why)))
		return refuse(path, "", why, err, errlen);
	if (check_chain(path, real, err, errlen) < 0)
		return -1;
	if (S_ISDIR(st.st_mode))
		return check_dir_entries(real, err, errlen);
	return 0;
}

int privs_check_path(const char *path, char *err, size_t errlen)
{
	return check_one(path, 1, err, errlen);
}

int privs_check_paths(const char *const *paths, size_t n, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++)
		if (privs_check_path(paths[i], err, errlen) < 0)
			return -1;
	return 0;
}
