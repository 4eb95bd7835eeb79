/*
 * kpath.c — resolves the names of path= and dir= kernel rules the way the
 * kernel will see them: symlinks followed (dir= trees do not follow a
 * final symlink in the kernel, so /lib on a merged-/usr system must be
 * given as /usr/lib), inside a given root (a container's
 * /proc/<pid>/root, where an absolute link target restarts at that root),
 * and widened to the nearest existing directory when a name does not
 * exist yet (the kernel refuses a dir= on a missing directory).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/krules_int.h"

/* Symlinks followed before giving up (the kernel's MAXSYMLINKS). */
#define KPATH_MAX_LINKS 40

struct kpath_walk {
	const char *root; /* "" for kestrel's own root */
	char cur[PATH_MAX];  /* resolved existing prefix, "" = "/" */
	char rest[PATH_MAX]; /* components still to walk */
	char missing[NAME_MAX + 1]; /* the first component that does not exist */
	int complete;   /* every component exists */
	int last_missing; /* only the final component is missing */
	int cur_is_dir;
};

static int full_name(const struct kpath_walk *w, const char *inner, char *out, size_t len)
{
	int n = snprintf(out, len, "%s%s", w->root, inner[0] ? inner : "/");
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* Takes the first component off w->rest into comp; 0 when none is left. */
static int next_component(struct kpath_walk *w, char *comp, size_t len)
{
	char *p = w->rest;

	while (*p == '/')
		p++;
	if (!*p)
		return 0;
	size_t n = strcspn(p, "/");
	if (n >= len)
		n = len - 1;
	memcpy(comp, p, n);
	comp[n] = '\0';
	memmove(w->rest, p + n, strlen(p + n) + 1);
	return 1;
}

/* Replaces the walked symlink by its target in front of the rest. */
static int splice_link(struct kpath_walk *w, const char *target)
{
	char tmp[PATH_MAX];
	int n = snprintf(tmp, sizeof(tmp), "%s/%s", target, w->rest);

	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -1;
	memcpy(w->rest, tmp, (size_t)n + 1);
	if (target[0] == '/')
		w->cur[0] = '\0';
	return 0;
}

static int walk(struct kpath_walk *w)
{
	char comp[NAME_MAX + 1], cand[PATH_MAX], full[PATH_MAX * 2], target[PATH_MAX];
	int links = 0;
	struct stat st;

	w->cur_is_dir = 1;
	while (next_component(w, comp, sizeof(comp))) {
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			char *slash = strrchr(w->cur, '/');
			if (slash)
				*slash = '\0';
			continue;
		}
		int n = snprintf(cand, sizeof(cand), "%s/%s", w->cur, comp);
		if (n < 0 || (size_t)n >= sizeof(cand) || full_name(w, cand, full, sizeof(full)) < 0)
			return -1;
		if (!w->cur_is_dir || lstat(full, &st) < 0) {
			snprintf(w->missing, sizeof(w->missing), "%s", comp);
			w->last_missing = w->cur_is_dir && strspn(w->rest, "/") == strlen(w->rest);
			return 0;
		}
		if (S_ISLNK(st.st_mode)) {
			ssize_t l = readlink(full, target, sizeof(target) - 1);
			if (l <= 0 || ++links > KPATH_MAX_LINKS)
				return -1;
			target[l] = '\0';
			if (splice_link(w, target) < 0)
				return -1;
			continue;
		}
		memcpy(w->cur, cand, (size_t)n + 1);
		w->cur_is_dir = S_ISDIR(st.st_mode);
	}
	w->complete = 1;
	return 0;
}

/* The parent of the resolved name (for a dir= given a file). */
static void to_parent(char *cur)
{
	char *slash = strrchr(cur, '/');
	if (slash)
		*slash = '\0';
}

int kpath_resolve(const char *root, const char *path, int is_dir, char *out, size_t outlen,
                  int *is_dir_out, int *widened)
{
	struct kpath_walk w;
	int n;

	memset(&w, 0, sizeof(w));
	w.root = root ? root : "";
	if (snprintf(w.rest, sizeof(w.rest), "%s", path) >= (int)sizeof(w.rest) || walk(&w) < 0)
		return -1;
	*widened = 0;
	*is_dir_out = is_dir;
	if (w.complete && is_dir && !w.cur_is_dir) {
		to_parent(w.cur); /* dir= on a file: its directory */
		*widened = 1;
	}
	if (w.complete || (!is_dir && w.last_missing)) {
		if (!is_dir && !w.cur[0]) /* path=/ is no watch: the whole tree */
			*is_dir_out = 1;
		n = !w.complete ? snprintf(out, outlen, "%s/%s", w.cur, w.missing)
		                : snprintf(out, outlen, "%s", w.cur[0] ? w.cur : "/");
	} else {
		/* a missing directory on the way: the nearest existing one, as a tree */
		if (!w.cur_is_dir)
			to_parent(w.cur);
		*is_dir_out = 1;
		*widened = 1;
		n = snprintf(out, outlen, "%s", w.cur[0] ? w.cur : "/");
	}
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}
