/*
 * overlay.c — executable layer of a process whose root is an overlayfs
 * (see overlay.h): one read of /proc/<pid>/mountinfo and one lstat of the
 * executable under the upper directory, per exec from an anonymous device.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "proc/overlay.h"

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 3;
		} else
			*w++ = *r;
	}
	*w = '\0';
}

/* The upperdir= option of an overlay mountinfo line (from the text after
 * " - ") into out: 1, or 0 when there is none or it does not fit. */
static int opt_upperdir(const char *fs, char *out, size_t n)
{
	if (strncmp(fs, "overlay ", 8) != 0)
		return 0;
	const char *opt = strstr(fs, "upperdir=");
	if (!opt || (opt[-1] != ',' && opt[-1] != ' '))
		return 0;
	opt += 9;
	size_t len = strcspn(opt, ",\n");
	if (len >= n)
		return 0;
	memcpy(out, opt, len);
	out[len] = '\0';
	unescape(out);
	return 1;
}

/* One mountinfo line: 1 with the upperdir in out when it mounts an overlay
 * at "/" (or, with dev set, when its device is dev whatever its mount
 * point), 0 for another line or an overlay without an upper dir. *is_root
 * says whether the line is one to consider. */
static int line_upperdir(char *line, const unsigned *dev, char *out, size_t n, int *is_root)
{
	char *save = NULL, *f[5];
	unsigned maj, min;
	int i;

	*is_root = 0;
	for (i = 0; i < 5 && (f[i] = strtok_r(i ? NULL : line, " ", &save)); i++)
		;
	if (i < 5)
		return 0;
	if (dev)
		*is_root = sscanf(f[2], "%u:%u", &maj, &min) == 2 && maj == dev[0] && min == dev[1];
	else
		*is_root = strcmp(f[4], "/") == 0;
	if (!*is_root)
		return 0;
	char *rest = strtok_r(NULL, "\n", &save);
	char *sep = rest ? strstr(rest, " - ") : NULL;
	return sep ? opt_upperdir(sep + 3, out, n) : 0;
}

/* The upperdir of the last line line_upperdir() considers (dev: see
 * there): 1, 0 none, -1 unreadable or out too small. */
static int find_upperdir(const char *mountinfo_path, const unsigned *dev, char *out, size_t n)
{
	FILE *f = fopen(mountinfo_path, "re");
	char *line = NULL, tmp[4096];
	size_t cap = 0;
	int found = 0, is_root;

	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		int r = line_upperdir(line, dev, tmp, sizeof(tmp), &is_root);
		if (!is_root)
			continue;
		found = r; /* a later mount of "/" hides the earlier ones */
		if (r && snprintf(out, n, "%s", tmp) >= (int)n)
			found = -1;
	}
	free(line);
	fclose(f);
	return found;
}

int overlay_dev_upperdir(const char *mountinfo_path, const char *audit_dev, char *out, size_t n)
{
	unsigned dev[2];

	if (!audit_dev || sscanf(audit_dev, "%x:%x", &dev[0], &dev[1]) != 2)
		return 0;
	return find_upperdir(mountinfo_path, dev, out, n);
}

int overlay_root_upperdir(const char *mountinfo_path, char *out, size_t n)
{
	return find_upperdir(mountinfo_path, NULL, out, n);
}

/* upper when exepath exists under the upper directory, else lower. */
static int layer_in(const char *upper, const char *exepath)
{
	char exe[8192];
	struct stat st;

	if (snprintf(exe, sizeof(exe), "%s%s", upper, exepath) >= (int)sizeof(exe))
		return PROC_LAYER_UNKNOWN;
	return lstat(exe, &st) == 0 ? PROC_LAYER_UPPER : PROC_LAYER_LOWER;
}

int overlay_exe_layer(const char *mountinfo_path, const char *exepath)
{
	char upper[4096];

	if (!exepath || exepath[0] != '/')
		return PROC_LAYER_UNKNOWN;
	if (overlay_root_upperdir(mountinfo_path, upper, sizeof(upper)) != 1)
		return PROC_LAYER_UNKNOWN;
	return layer_in(upper, exepath);
}

/* The device ("00:2f") of the exec's executable (the first PATH item)
 * when it is anonymous (major 0: overlayfs gives its files one), else NULL. */
static const char *exe_anon_dev(const struct kevent *ev)
{
	for (int i = 0; i < ev->npaths; i++)
		if (ev->paths[i].item == 0)
			return ev->paths[i].dev && strncmp(ev->paths[i].dev, "00:", 3) == 0
			           ? ev->paths[i].dev
			           : NULL;
	return NULL;
}

void overlay_exec(enum proc_table_mode mode, struct proc *p, const struct kevent *ev)
{
	char path[64], upper[4096];
	const char *dev;
	int r;

	p->exe_layer = PROC_LAYER_UNKNOWN;
	if (mode != PROC_TABLE_LIVE || !(dev = exe_anon_dev(ev)) || !p->exepath ||
	    p->exepath[0] != '/')
		return;
	snprintf(path, sizeof(path), "/proc/%lld/mountinfo", (long long)p->pid);
	r = overlay_root_upperdir(path, upper, sizeof(upper));
	/* gone already (a short command): the overlay of that device as
	 * mounted in kestrel's namespace (the runtime mounts the container's
	 * root there too) */
	if (r < 0)
		r = overlay_dev_upperdir("/proc/self/mountinfo", dev, upper, sizeof(upper));
	if (r == 1)
		p->exe_layer = layer_in(upper, p->exepath);
}
