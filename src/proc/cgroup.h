/*
 * cgroup.h — pure parsing of /proc/<pid>/cgroup text into the container a
 * process belongs to (runtime hint, full id or name, Kubernetes pod uid).
 * No I/O and no allocation: the container cache (container.c) and the fuzz
 * target call these on text they already hold.
 */
#ifndef KESTREL_CGROUP_H
#define KESTREL_CGROUP_H

#include <stddef.h>
#include <stdint.h>

#include "proc/container.h"

/* Length of the ids docker, containerd, CRI-O and podman give containers. */
#define CGROUP_HEX_ID_LEN 64
/* Longest id kept: a 64-hex id, or an LXC / systemd-nspawn machine name.
 * Longer names are not taken for containers. */
#define CGROUP_ID_MAX 128
/* A Kubernetes pod uid in its canonical form (8-4-4-4-12 with dashes). */
#define CGROUP_POD_UID_LEN 36

struct cgroup_match {
	enum container_type type;             /* runtime the path shape implies */
	char id[CGROUP_ID_MAX + 1];           /* 64 hex, or the lxc/nspawn name */
	char pod_uid[CGROUP_POD_UID_LEN + 1]; /* "" when not under kubepods */
};

/*
 * Match one cgroup path (the text after the second ':' of a line, without
 * the newline). Components are examined from the top of the path (the
 * outermost container wins: a name created inside a container's delegated
 * cgroup changes nothing), only the shapes the runtimes create are
 * accepted, and only where a runtime puts them: never under user.slice
 * (user@<uid>.service is delegated to the user), never below a non-slice
 * unit of a systemd slice. So host cgroups such as /process_api/<32 hex>
 * or /user.slice/user-1000.slice/user@1000.service/app.slice/
 * docker-<64 hex>.scope never match. Returns 1 and fills *m for a
 * container, 0 for the host.
 */
int cgroup_match_path(const char *path, size_t len, struct cgroup_match *m);

/*
 * Iterate the paths of a cgroup file: "N:controllers:/path" lines, v1 and
 * v2 ("0::/path"). *pos starts at 0. Returns 1 and sets *path and *plen to
 * the next path (not NUL-terminated), 0 at the end. Malformed lines are skipped.
 */
int cgroup_next_path(const char *text, size_t len, size_t *pos, const char **path, size_t *plen);

/* Match the first line of a cgroup file that names a container. 1/0 as above. */
int cgroup_match_text(const char *text, size_t len, struct cgroup_match *m);

#endif
