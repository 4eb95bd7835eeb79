/*
 * cgroup.c — from the text of /proc/<pid>/cgroup to the container a process
 * runs in. Paths are read from their end, component by component, and only
 * the exact shapes each runtime creates (64 lowercase hex ids with the
 * runtime's prefix and suffix, LXC and machined names) are accepted, so a
 * host cgroup never passes for a container; the outermost such component
 * wins, and only where a runtime creates containers (trusted_place()), so a
 * user's delegated subtree cannot name a container. Used by the container
 * cache.
 */
#include "config.h"

#include <string.h>

#include "proc/cgroup.h"
#include "util/hex.h"

/* Deepest path considered; components below the first CGROUP_MAX_DEPTH are
 * ignored (runtimes nest a handful of levels at most). */
#define CGROUP_MAX_DEPTH 64
/* The kernel appends this to a v2 path whose cgroup was removed. */
#define CGROUP_DELETED_SUFFIX " (deleted)"
/* A static pod's uid is a 32-hex hash without dashes. */
#define CGROUP_STATIC_POD_UID_LEN 32

struct span {
	const char *p;
	size_t n;
};

static int span_eq(struct span s, const char *lit)
{
	size_t n = strlen(lit);

	return s.n == n && memcmp(s.p, lit, n) == 0;
}

static int span_starts(struct span s, const char *lit)
{
	size_t n = strlen(lit);

	return s.n >= n && memcmp(s.p, lit, n) == 0;
}

static int span_ends(struct span s, const char *lit)
{
	size_t n = strlen(lit);

	return s.n >= n && memcmp(s.p + s.n - n, lit, n) == 0;
}

static int is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static int is_hex_id(const char *p, size_t n)
{
	size_t i;

	if (n != CGROUP_HEX_ID_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!is_lower_hex(p[i]))
			return 0;
	return 1;
}

/* Characters LXC and machined allow in a container/machine name. */
static int is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

static int is_valid_name(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || n > CGROUP_ID_MAX)
		return 0;
	if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
		return 0;
	for (i = 0; i < n; i++)
		if (!is_name_char(p[i]))
			return 0;
	return 1;
}

/* Split path into components, last first: c[0] is the deepest kept and
 * c[n-1] the top-level one. Past max components the deeper ones are dropped
 * (*cut set): matching starts at the top, so the runtimes' real parents
 * are always seen, and no container nests that deep. */
static size_t split_components(const char *path, size_t len, struct span *c, size_t max, int *cut)
{
	size_t n = 0, pos = 0, i;

	*cut = 0;
	while (pos < len) {
		size_t start;

		while (pos < len && path[pos] == '/')
			pos++;
		if (pos == len)
			break;
		if (n == max) {
			*cut = 1;
			break;
		}
		start = pos;
		while (pos < len && path[pos] != '/')
			pos++;
		c[n].p = path + start;
		c[n].n = pos - start;
		n++;
	}
	for (i = 0; i < n / 2; i++) {
		struct span t = c[i];

		c[i] = c[n - 1 - i];
		c[n - 1 - i] = t;
	}
	return n;
}

static void set_id(struct cgroup_match *m, enum container_type t, const char *p, size_t n)
{
	m->type = t;
	memcpy(m->id, p, n);
	m->id[n] = '\0';
}

/* prefix + 64 hex + suffix, the suffix optional when opt_suffix is set. */
static int wrapped_id(struct span s, const char *prefix, const char *suffix, int opt_suffix,
                      const char **id)
{
	size_t pl = strlen(prefix), sl = strlen(suffix);

	if (!span_starts(s, prefix))
		return 0;
	if (s.n == pl + CGROUP_HEX_ID_LEN + sl && span_ends(s, suffix)) {
		if (!is_hex_id(s.p + pl, CGROUP_HEX_ID_LEN))
			return 0;
	} else if (opt_suffix && s.n == pl + CGROUP_HEX_ID_LEN) {
		if (!is_hex_id(s.p + pl, CGROUP_HEX_ID_LEN))
			return 0;
	} else {
		return 0;
	}
	*id = s.p + pl;
	return 1;
}

/* The runtime behind a bare "/<64 hex>" component, from its ancestors. */
static enum container_type bare_id_type(const struct span *c, size_t i, size_t n)
{
	size_t j;

	for (j = i + 1; j < n; j++)
		if (span_starts(c[j], "kubepods"))
			return CT_CONTAINERD;
	if (i + 1 < n) {
		struct span parent = c[i + 1];

		if (span_eq(parent, "libpod_parent") ||
		    (span_starts(parent, "podman-") && span_ends(parent, ".scope")))
			return CT_PODMAN;
	}
	/* /docker/<id>, /ecs/<task>/<id> and any other bare id: docker's
	 * cgroupfs shape. The on-disk state corrects the type when it can. */
	return CT_DOCKER;
}

/* "lxc.payload.<name>", or "<name>" under "lxc" / "lxc.payload". */
static int match_lxc(const struct span *c, size_t i, size_t n, struct cgroup_match *m)
{
	static const char payload[] = "lxc.payload.";
	struct span s = c[i];

	if (span_starts(s, payload)) {
		size_t pl = sizeof(payload) - 1;

		if (!is_valid_name(s.p + pl, s.n - pl))
			return 0;
		set_id(m, CT_LXC, s.p + pl, s.n - pl);
		return 1;
	}
	if (i + 1 < n && (span_eq(c[i + 1], "lxc") || span_eq(c[i + 1], "lxc.payload")) &&
	    is_valid_name(s.p, s.n)) {
		set_id(m, CT_LXC, s.p, s.n);
		return 1;
	}
	return 0;
}

/* "machine-<name>.scope" under machine.slice, name unescaped from systemd's
 * \xNN form. QEMU guests (machine-qemu\x2d...) are VMs, not containers. */
static int match_machine(const struct span *c, size_t i, size_t n, struct cgroup_match *m)
{
	static const char prefix[] = "machine-", suffix[] = ".scope";
	struct span s = c[i];
	char name[CGROUP_ID_MAX + 1];
	size_t k, o = 0, end;

	if (i + 1 >= n || !span_eq(c[i + 1], "machine.slice") || !span_starts(s, prefix) ||
	    !span_ends(s, suffix) || s.n <= sizeof(prefix) - 1 + sizeof(suffix) - 1)
		return 0;
	end = s.n - (sizeof(suffix) - 1);
	for (k = sizeof(prefix) - 1; k < end; k++) {
		char ch = s.p[k];

		if (ch == '\\') {
			int hi, lo;

			if (k + 3 >= end || s.p[k + 1] != 'x')
				return 0;
			hi = hex_digit(s.p[k + 2]);
			lo = hex_digit(s.p[k + 3]);
			if (hi < 0 || lo < 0)
				return 0;
			ch = (char)(hi * 16 + lo);
			k += 3;
		}
		if (o >= CGROUP_ID_MAX)
			return 0;
		name[o++] = ch;
	}
	if (!is_valid_name(name, o) || (o >= 5 && memcmp(name, "qemu-", 5) == 0))
		return 0;
	set_id(m, CT_NSPAWN, name, o);
	return 1;
}

/* ":cri-containerd:<64 hex>" ending a component (containerd with the
 * cgroupfs driver under a systemd-looking parent). */
static int match_colon_containerd(struct span s, const char **id)
{
	static const char tag[] = ":cri-containerd:";
	size_t tl = sizeof(tag) - 1;

	if (s.n < tl + CGROUP_HEX_ID_LEN)
		return 0;
	if (memcmp(s.p + s.n - CGROUP_HEX_ID_LEN - tl, tag, tl) != 0)
		return 0;
	if (!is_hex_id(s.p + s.n - CGROUP_HEX_ID_LEN, CGROUP_HEX_ID_LEN))
		return 0;
	*id = s.p + s.n - CGROUP_HEX_ID_LEN;
	return 1;
}

static int match_component(const struct span *c, size_t i, size_t n, struct cgroup_match *m)
{
	struct span s = c[i];
	const char *id = NULL;
	enum container_type t;

	if (is_hex_id(s.p, s.n)) {
		id = s.p;
		t = bare_id_type(c, i, n);
	} else if (wrapped_id(s, "docker-", ".scope", 0, &id)) {
		t = CT_DOCKER;
	} else if (wrapped_id(s, "cri-containerd-", ".scope", 0, &id) ||
	           wrapped_id(s, "nerdctl-", ".scope", 0, &id) || match_colon_containerd(s, &id)) {
		t = CT_CONTAINERD;
	} else if (wrapped_id(s, "crio-", ".scope", 1, &id)) {
		t = CT_CRIO;
	} else if (wrapped_id(s, "libpod-", ".scope", 1, &id) ||
	           wrapped_id(s, "libpod-payload-", ".scope", 1, &id)) {
		t = CT_PODMAN;
	} else {
		return match_lxc(c, i, n, m) || match_machine(c, i, n, m);
	}
	set_id(m, t, id, CGROUP_HEX_ID_LEN);
	return 1;
}

/* Copy a pod uid in 8-4-4-4-12 form (dashes or underscores) or 32 hex. */
static int take_pod_uid(const char *p, size_t n, char *out)
{
	static const size_t dash_at[] = {8, 13, 18, 23};
	size_t i, d = 0;

	if (n == CGROUP_STATIC_POD_UID_LEN) {
		for (i = 0; i < n; i++)
			if (!is_lower_hex(p[i]))
				return 0;
		memcpy(out, p, n);
		out[n] = '\0';
		return 1;
	}
	if (n != CGROUP_POD_UID_LEN)
		return 0;
	for (i = 0; i < n; i++) {
		if (d < sizeof(dash_at) / sizeof(dash_at[0]) && i == dash_at[d]) {
			if (p[i] != '-' && p[i] != '_')
				return 0;
			out[i] = '-';
			d++;
		} else if (is_lower_hex(p[i])) {
			out[i] = p[i];
		} else {
			return 0;
		}
	}
	out[n] = '\0';
	return 1;
}

static int span_contains(struct span s, const char *lit)
{
	size_t n = strlen(lit), i;

	for (i = 0; i + n <= s.n; i++)
		if (memcmp(s.p + i, lit, n) == 0)
			return 1;
	return 0;
}

/* pod<uid> (cgroupfs) or [kubelet-]kubepods[-qos]-pod<uid_>.slice (systemd,
 * possibly followed by ":cri-containerd:<id>"), under kubepods, in the
 * matched component c[from] or its ancestors (never below the container). */
static void find_pod_uid(const struct span *c, size_t from, size_t n, struct cgroup_match *m)
{
	static const char slice[] = ".slice", dashpod[] = "-pod";
	const size_t dl = sizeof(dashpod) - 1;
	size_t i;
	int kubepods = 0;

	for (i = from; i < n; i++)
		if (span_contains(c[i], "kubepods"))
			kubepods = 1;
	if (!kubepods)
		return;
	for (i = from; i < n; i++) {
		struct span s = c[i];
		const char *colon = memchr(s.p, ':', s.n);
		size_t end, k;

		if (colon)
			s.n = (size_t)(colon - s.p);
		if (span_starts(s, "pod") && take_pod_uid(s.p + 3, s.n - 3, m->pod_uid))
			return;
		if (!span_contains(s, "kubepods") || !span_ends(s, slice))
			continue;
		end = s.n - (sizeof(slice) - 1);
		for (k = end; k >= dl; k--) {
			if (memcmp(s.p + k - dl, dashpod, dl) == 0) {
				if (take_pod_uid(s.p + k, end - k, m->pod_uid))
					return;
				break;
			}
		}
	}
}

/*
 * Whether c[i], a container-shaped component, sits where a runtime (root)
 * creates containers rather than in a subtree someone else may write:
 * - never under user.slice: systemd delegates user@<uid>.service to that
 *   user, who can create docker-<64 hex>.scope there (rootless podman
 *   lives there too and is reported as the host: it runs with the user's
 *   own rights);
 * - under another top-level *.slice (system.slice, machine.slice,
 *   docker.slice, ...; kubepods excepted), every ancestor is a .slice, so a
 *   service with Delegate=yes cannot host a fake scope; two runtime shapes
 *   sit under a .service: containerd's ":cri-containerd:" component under
 *   containerd.service and podman's split "libpod-payload-" (any service:
 *   the operator configured it);
 * - cgroupfs trees (/docker, /kubepods, /lxc, /ecs, ...) are created by
 *   root and not delegated.
 * A container's own cgroup may be delegated to it: matching takes the
 * outermost container component, so a name made inside one changes nothing.
 */
static int trusted_place(const struct span *c, size_t i, size_t n)
{
	struct span top = c[n - 1];
	size_t j;

	if (span_eq(top, "user.slice"))
		return 0;
	if (i == n - 1 || !span_ends(top, ".slice") || span_starts(top, "kubepods") ||
	    span_starts(top, "kubelet"))
		return 1;
	for (j = i + 1; j < n - 1; j++) {
		if (span_ends(c[j], ".slice"))
			continue;
		if (j == i + 1 && span_eq(c[j], "containerd.service") &&
		    memchr(c[i].p, ':', c[i].n))
			continue;
		if (j == i + 1 && span_ends(c[j], ".service") &&
		    span_starts(c[i], "libpod-payload-"))
			continue;
		return 0;
	}
	return 1;
}

int cgroup_match_path(const char *path, size_t len, struct cgroup_match *m)
{
	struct span c[CGROUP_MAX_DEPTH];
	size_t n, i, dl = sizeof(CGROUP_DELETED_SUFFIX) - 1;
	int cut;

	m->type = CT_HOST;
	m->id[0] = '\0';
	m->pod_uid[0] = '\0';
	if (len >= dl && memcmp(path + len - dl, CGROUP_DELETED_SUFFIX, dl) == 0)
		len -= dl;
	n = split_components(path, len, c, CGROUP_MAX_DEPTH, &cut);
	/* outermost first: c[n-1] is the top */
	for (i = n; i-- > 0;) {
		if (match_component(c, i, n, m)) {
			if (!trusted_place(c, i, n)) {
				m->type = CT_HOST;
				m->id[0] = '\0';
				return 0;
			}
			find_pod_uid(c, i, n, m);
			return 1;
		}
	}
	return 0;
}

int cgroup_next_path(const char *text, size_t len, size_t *pos, const char **path, size_t *plen)
{
	while (*pos < len) {
		const char *line = text + *pos, *nl, *c1, *c2;
		size_t ll, k;

		nl = memchr(line, '\n', len - *pos);
		ll = nl ? (size_t)(nl - line) : len - *pos;
		*pos += ll + (nl ? 1 : 0);
		/* hierarchy id: digits, then ':' */
		for (k = 0; k < ll && line[k] >= '0' && line[k] <= '9'; k++)
			;
		if (k == 0 || k >= ll || line[k] != ':')
			continue;
		c1 = line + k;
		c2 = memchr(c1 + 1, ':', ll - k - 1);
		if (!c2 || c2 + 1 >= line + ll || c2[1] != '/')
			continue;
		*path = c2 + 1;
		*plen = (size_t)(line + ll - *path);
		return 1;
	}
	return 0;
}

int cgroup_match_text(const char *text, size_t len, struct cgroup_match *m)
{
	size_t pos = 0, plen;
	const char *path;

	while (cgroup_next_path(text, len, &pos, &path, &plen))
		if (cgroup_match_path(path, plen, m))
			return 1;
	m->type = CT_HOST;
	m->id[0] = '\0';
	m->pod_uid[0] = '\0';
	return 0;
}
