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

/* One mountinfo line: 1 with the upperdir in out when it mounts an overlay
 * at "/", 0 for another line or a root mount without an upper dir. */
static int line_upperdir(char *line, char *out, size_t n, int *is_root)
{
	char *save = NULL, *f[5];
	int i;

	*is_root = 0;
	for (i = 0; i < 5 && (f[i] = strtok_r(i ? NULL : line, " ", &save)); i++)
		;
	if (i < 5 || strcmp(f[4], "/") != 0)
		return 0;
	*is_root = 1;
	char *rest = strtok_r(NULL, "\n", &save);
	char *sep = rest ? strstr(rest, " - ") : NULL;
	if (!sep || strncmp(sep + 3, "overlay ", 8) != 0)
		return 0;
	char *opt = strstr(sep + 3, "upperdir=");
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

int overlay_root_upperdir(const char *mountinfo_path, char *out, size_t n)
{
	FILE *f = fopen(mountinfo_path, "re");
	char *line = NULL, tmp[4096];
	size_t cap = 0;
	int found = 0, is_root;

	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		int r = line_upperdir(line, tmp, sizeof(tmp), &is_root);
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

int overlay_exe_layer(const char *mountinfo_path, const char *exepath)
{
	char upper[4096], exe[8192];
	struct stat st;

	if (!exepath || exepath[0] != '/')
		return PROC_LAYER_UNKNOWN;
	if (overlay_root_upperdir(mountinfo_path, upper, sizeof(upper)) != 1)
		return PROC_LAYER_UNKNOWN;
	if (snprintf(exe, sizeof(exe), "%s%s", upper, exepath) >= (int)sizeof(exe))
		return PROC_LAYER_UNKNOWN;
	return lstat(exe, &st) == 0 ? PROC_LAYER_UPPER : PROC_LAYER_LOWER;
}

/* 1 when the exec's executable (the first PATH item) is on a device of
 * major 0 ("00:2f"): overlayfs gives its files an anonymous device. */
static int exe_on_anon_dev(const struct kevent *ev)
{
	for (int i = 0; i < ev->npaths; i++)
		if (ev->paths[i].item == 0)
			return ev->paths[i].dev && strncmp(ev->paths[i].dev, "00:", 3) == 0;
	return 0;
}

void overlay_exec(enum proc_table_mode mode, struct proc *p, const struct kevent *ev)
{
	char path[64];

	p->exe_layer = PROC_LAYER_UNKNOWN;
	if (mode != PROC_TABLE_LIVE || !exe_on_anon_dev(ev) || !p->exepath)
		return;
	snprintf(path, sizeof(path), "/proc/%lld/mountinfo", (long long)p->pid);
	p->exe_layer = overlay_exe_layer(path, p->exepath);
}
