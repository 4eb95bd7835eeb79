/*
 * container.c — the container cache: cgroup path → container, container id →
 * metadata from the runtime's on-disk state (docker, containerd, CRI-O,
 * podman), read once and again when its file changes (rename). The
 * process table asks it lazily, only when a rule needs a container field;
 * path matching is in cgroup.c, JSON parsing in
 * container_state.c, and this file owns the I/O and the two caches.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "proc/cgroup.h"
#include "proc/container.h"
#include "proc/container_state.h"
#include "util/clock.h"
#include "util/file.h"
#include "util/log.h"

/* Default state roots of each runtime. */
#define ROOT_DOCKER "/var/lib/docker"
#define ROOT_CONTAINERD "/run/containerd"
#define ROOT_STORAGE "/var/lib/containers/storage"
/* containerd's namespace for Kubernetes (tried first) and docker's. */
#define CONTAINERD_K8S_NS "k8s.io"
#define CONTAINERD_DOCKER_NS "moby"
#define CONTAINERD_TASK_DIR "io.containerd.runtime.v2.task"
#define CONTAINERD_RUNC_DIR "runc"

/* Bound of one cgroup file read: a v1 host has ~13 lines of < 300 bytes. */
#define CONTAINER_CGROUP_READ_MAX 16384
/* Bound of one state file (containers.json lists every container). */
#define CONTAINER_STATE_MAX_BYTES (4u << 20)
/* Hash buckets of the container and path tables (chained, power of 2). */
#define CONTAINER_ID_BUCKETS 1024
#define CONTAINER_PATH_BUCKETS 4096
/* The path cache is emptied when it holds this many paths (short-lived
 * cgroups would otherwise grow it forever). */
#define CONTAINER_PATH_CACHE_MAX 16384
/* Containers kept (container.h): past this, one not held by a process and
 * not used since the clock hand last passed is evicted per new container. */
#ifndef CONTAINER_CACHE_MAX
#define CONTAINER_CACHE_MAX 4096
#endif
/* A container whose state was not found yet (created a moment ago, or the
 * state lives elsewhere) is probed again at most this many times, this far
 * apart; afterwards its fields stay unknown. */
#define CONTAINER_META_RETRIES 3
#define CONTAINER_META_RETRY_NS 1000000000ull
/* Once found, the state file is stat()ed at most this often (on lookups)
 * and parsed again when it changed (docker rename rewrites it). */
#define CONTAINER_STAT_NS 1000000000ull
#define CONTAINER_ERR_MAX 256

const struct container_info container_host = {
    .type = CT_HOST,
    .id = "host",
    .privileged = -1,
};

struct centry {
	struct container_info info; /* first member: handed out as a pointer */
	struct centry *next;
	int used; /* looked up since the clock hand last passed */
	int meta_found;
	int probes;
	uint64_t next_probe_ns;
	char pod_uid[CGROUP_POD_UID_LEN + 1];
	/* The file the metadata came from and its stamp when read (NULL and
	 * zero until found); checked again CONTAINER_STAT_NS apart. */
	char *state_path;
	struct stat state_st;
	uint64_t next_stat_ns;
	/* The strings of the parse before the last re-parse: a caller may still
	 * hold one of them for the event being evaluated, so they are freed only
	 * at the next re-parse (at least CONTAINER_STAT_NS later). */
	struct container_info retired;
};

struct pentry {
	struct pentry *next;
	const struct container_info *info; /* &container_host or a centry's info */
	size_t len;
	char path[]; /* NUL-terminated */
};

struct container_cache {
	char *docker, *containerd, *crio, *podman;
	struct centry *ids[CONTAINER_ID_BUCKETS];
	struct pentry *paths[CONTAINER_PATH_BUCKETS];
	size_t npaths;
	size_t ncontainers;
	size_t hand; /* clock hand: the next bucket examined for eviction */
	uint64_t evictions;
	char buf[CONTAINER_CGROUP_READ_MAX];
};

const char *container_type_name(enum container_type t)
{
	switch (t) {
	case CT_HOST:
		return "host";
	case CT_DOCKER:
		return "docker";
	case CT_CONTAINERD:
		return "containerd";
	case CT_CRIO:
		return "cri-o";
	case CT_PODMAN:
		return "podman";
	case CT_LXC:
		return "lxc";
	case CT_NSPAWN:
		return "nspawn";
	case CT_UNKNOWN_RUNTIME:
		break;
	}
	return "unknown";
}

/* FNV-1a */
static uint32_t hash_bytes(const char *p, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--) {
		h ^= (unsigned char)*p++;
		h *= 16777619u;
	}
	return h;
}

struct container_cache *container_cache_new(const struct container_roots *roots)
{
	/* Everything but the read buffer zeroed: the buffer's 16 KiB stay
	 * untouched (no page faults) until a cgroup file is read into it. */
	struct container_cache *cc = malloc(sizeof(*cc));
	struct container_roots none = {0};

	if (!cc)
		return NULL;
	memset(cc, 0, offsetof(struct container_cache, buf));
	if (!roots)
		roots = &none;
	cc->docker = strdup(roots->docker ? roots->docker : ROOT_DOCKER);
	cc->containerd = strdup(roots->containerd ? roots->containerd : ROOT_CONTAINERD);
	cc->crio = strdup(roots->crio ? roots->crio : ROOT_STORAGE);
	cc->podman = strdup(roots->podman ? roots->podman : ROOT_STORAGE);
	if (!cc->docker || !cc->containerd || !cc->crio || !cc->podman) {
		container_cache_free(cc);
		return NULL;
	}
	return cc;
}

static void clear_paths(struct container_cache *cc)
{
	size_t i;

	for (i = 0; i < CONTAINER_PATH_BUCKETS; i++) {
		while (cc->paths[i]) {
			struct pentry *p = cc->paths[i];

			cc->paths[i] = p->next;
			free(p);
		}
	}
	cc->npaths = 0;
}

static void centry_free(struct centry *e)
{
	container_state_clear(&e->retired);
	container_state_clear(&e->info);
	free(e->state_path);
	free(e);
}

void container_cache_free(struct container_cache *cc)
{
	size_t i;

	if (!cc)
		return;
	clear_paths(cc);
	for (i = 0; i < CONTAINER_ID_BUCKETS; i++) {
		while (cc->ids[i]) {
			struct centry *e = cc->ids[i];

			cc->ids[i] = e->next;
			centry_free(e);
		}
	}
	free(cc->docker);
	free(cc->containerd);
	free(cc->crio);
	free(cc->podman);
	free(cc);
}

/*
 * Read a whole state file into a malloc'd, NUL-terminated buffer. Files are
 * trusted only when they are regular, bounded, not symlinks and owned by root
 * or by kestrel's own user (what the runtimes and the test fixtures give).
 */
static char *read_state(const char *path, size_t *len)
{
	char err[PATH_MAX + 64];
	char *buf = file_read_small(AT_FDCWD, path, CONTAINER_STATE_MAX_BYTES,
	                            FILE_NOFOLLOW | FILE_TRUSTED_OWNER, len, err, sizeof(err));

	if (!buf && errno != ENOENT)
		log_debug("container state %s, ignored", err);
	return buf;
}

typedef int (*state_parser)(struct container_info *ci, const char *buf, size_t len,
                            struct container_state_refs *refs, char *err, size_t errlen);

/* Read and parse one file. Returns 1 when it existed and parsed. */
static int parse_file(const char *path, struct container_info *ci, state_parser parse,
                      struct container_state_refs *refs)
{
	char err[CONTAINER_ERR_MAX];
	size_t len = 0;
	char *buf = read_state(path, &len);
	int ok;

	if (!buf)
		return 0;
	ok = parse(ci, buf, len, refs, err, sizeof(err)) == 0;
	if (!ok)
		log_warnx("container state %s: %s", path, err);
	free(buf);
	return ok;
}

/* Remember path as the file whose change means the metadata changed. */
static void note_state(struct centry *e, const char *path)
{
	struct stat st;
	char *dup;

	if (fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return;
	dup = strdup(path);
	if (!dup)
		return;
	free(e->state_path);
	e->state_path = dup;
	e->state_st = st;
}

static int docker_config(struct container_info *ci, const char *buf, size_t len,
                         struct container_state_refs *refs, char *err, size_t errlen)
{
	return container_state_docker_config(ci, buf, len, err, errlen);
}

static int docker_hostconfig(struct container_info *ci, const char *buf, size_t len,
                             struct container_state_refs *refs, char *err, size_t errlen)
{
	return container_state_docker_hostconfig(ci, buf, len, err, errlen);
}

static int pod_labels(struct container_info *ci, const char *buf, size_t len,
                      struct container_state_refs *refs, char *err, size_t errlen)
{
	return container_state_pod_labels(ci, buf, len, err, errlen);
}

static int storage_index(struct container_info *ci, const char *buf, size_t len,
                         struct container_state_refs *refs, char *err, size_t errlen)
{
	return container_state_storage_index(ci, buf, len, ci->full_id, err, errlen);
}

/* <docker>/containers/<id>/config.v2.json, then hostconfig.json. */
static int probe_docker(struct container_cache *cc, struct centry *e)
{
	char path[PATH_MAX];
	const char *id = e->info.full_id;

	snprintf(path, sizeof(path), "%s/containers/%s/config.v2.json", cc->docker, id);
	if (!parse_file(path, &e->info, docker_config, NULL))
		return 0;
	note_state(e, path);
	snprintf(path, sizeof(path), "%s/containers/%s/hostconfig.json", cc->docker, id);
	parse_file(path, &e->info, docker_hostconfig, NULL);
	e->info.type = CT_DOCKER;
	return 1;
}

/* One containerd namespace: the task bundle's config.json, else runc's
 * state.json (whose labels carry the same annotations). */
static int probe_containerd_ns(struct container_cache *cc, struct centry *e, const char *ns)
{
	struct container_state_refs refs;
	char path[PATH_MAX];
	const char *id = e->info.full_id;
	int found;

	snprintf(path, sizeof(path), "%s/%s/%s/%s/config.json", cc->containerd, CONTAINERD_TASK_DIR,
	         ns, id);
	found = parse_file(path, &e->info, container_state_oci_config, &refs);
	if (!found) {
		snprintf(path, sizeof(path), "%s/%s/%s/%s/state.json", cc->containerd,
		         CONTAINERD_RUNC_DIR, ns, id);
		found = parse_file(path, &e->info, container_state_runc_state, &refs);
	}
	if (found)
		note_state(e, path);
	if (found)
		e->info.type = strcmp(ns, CONTAINERD_DOCKER_NS) == 0 ? CT_DOCKER : CT_CONTAINERD;
	return found;
}

static int probe_containerd_dir(struct container_cache *cc, struct centry *e, const char *sub)
{
	char path[PATH_MAX];
	struct dirent *d;
	DIR *dir;
	int found = 0;

	snprintf(path, sizeof(path), "%s/%s", cc->containerd, sub);
	dir = opendir(path);
	if (!dir)
		return 0;
	while (!found && (d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.' || strcmp(d->d_name, CONTAINERD_K8S_NS) == 0)
			continue;
		found = probe_containerd_ns(cc, e, d->d_name);
	}
	closedir(dir);
	return found;
}

static int probe_containerd(struct container_cache *cc, struct centry *e)
{
	return probe_containerd_ns(cc, e, CONTAINERD_K8S_NS) ||
	       probe_containerd_dir(cc, e, CONTAINERD_TASK_DIR) ||
	       probe_containerd_dir(cc, e, CONTAINERD_RUNC_DIR);
}

/* containers/storage (CRI-O, podman): userdata/config.json, the CRI-O
 * sandbox's for the pod labels, and containers.json for podman's name. */
static int probe_storage(const char *root, struct centry *e, enum container_type fallback)
{
	struct container_state_refs refs;
	char path[PATH_MAX];
	const char *id = e->info.full_id;

	snprintf(path, sizeof(path), "%s/overlay-containers/%s/userdata/config.json", root, id);
	if (!parse_file(path, &e->info, container_state_oci_config, &refs))
		return 0;
	note_state(e, path);
	e->info.type =
	    refs.runtime == CT_CRIO || refs.runtime == CT_PODMAN ? refs.runtime : fallback;
	if (refs.sandbox_id[0] && strcmp(refs.sandbox_id, id) != 0) {
		snprintf(path, sizeof(path), "%s/overlay-containers/%s/userdata/config.json", root,
		         refs.sandbox_id);
		parse_file(path, &e->info, pod_labels, NULL);
	}
	if (!e->info.name || !e->info.image) {
		snprintf(path, sizeof(path), "%s/overlay-containers/containers.json", root);
		if (parse_file(path, &e->info, storage_index, NULL))
			note_state(e, path); /* podman rename rewrites it */
	}
	return 1;
}

static int probe_storages(struct container_cache *cc, struct centry *e, enum container_type hint)
{
	if (probe_storage(cc->crio, e, hint == CT_PODMAN ? CT_PODMAN : CT_CRIO))
		return 1;
	return strcmp(cc->crio, cc->podman) != 0 && probe_storage(cc->podman, e, CT_PODMAN);
}

/* Try the runtime the cgroup suggests first, then the others (a bare
 * /<id> cgroup looks the same for docker, containerd and ECS). */
static int probe_meta(struct container_cache *cc, struct centry *e, enum container_type hint)
{
	switch (hint) {
	case CT_CONTAINERD:
		return probe_containerd(cc, e) || probe_docker(cc, e) ||
		       probe_storages(cc, e, hint);
	case CT_CRIO:
	case CT_PODMAN:
		return probe_storages(cc, e, hint) || probe_containerd(cc, e) ||
		       probe_docker(cc, e);
	case CT_DOCKER:
		return probe_docker(cc, e) || probe_containerd(cc, e) ||
		       probe_storages(cc, e, hint);
	default:
		return 0;
	}
}

static int has_disk_state(enum container_type t)
{
	return t == CT_DOCKER || t == CT_CONTAINERD || t == CT_CRIO || t == CT_PODMAN;
}

static void fill_meta(struct container_cache *cc, struct centry *e, enum container_type hint)
{
	e->probes++;
	e->next_probe_ns = clock_monotonic_ns() + CONTAINER_META_RETRY_NS;
	e->next_stat_ns = e->next_probe_ns;
	e->meta_found = probe_meta(cc, e, hint);
	if (!e->meta_found)
		log_debug("container %s (%s): no runtime state found (probe %d of %d)",
		          e->info.full_id, container_type_name(hint), e->probes,
		          CONTAINER_META_RETRIES + 1);
	if (!e->info.k8s_pod_uid && e->pod_uid[0])
		e->info.k8s_pod_uid = strdup(e->pod_uid);
}

/* Free the metadata strings of *ci, full_id excepted (it stays the entry's). */
static void meta_drop(struct container_info *ci)
{
	char *full = ci->full_id;

	ci->full_id = NULL;
	container_state_clear(ci);
	ci->full_id = full;
}

/* Parse the state again into a fresh entry and, when found, put its fields
 * in place of e's; the old strings are retired (see struct centry). When
 * the state is gone now, e keeps what it had. */
static void reparse_meta(struct container_cache *cc, struct centry *e)
{
	struct centry fresh;
	char *full = e->info.full_id;
	unsigned holds = e->info.holds;

	memset(&fresh, 0, sizeof(fresh));
	fresh.info.type = e->info.type;
	fresh.info.privileged = -1;
	fresh.info.full_id = full;
	if (!probe_meta(cc, &fresh, e->info.type)) {
		meta_drop(&fresh.info);
		free(fresh.state_path);
		return;
	}
	log_debug("container %s: state %s changed, read again", full, fresh.state_path);
	if (!fresh.info.k8s_pod_uid && e->pod_uid[0])
		fresh.info.k8s_pod_uid = strdup(e->pod_uid);
	fresh.info.full_id = NULL;
	container_state_clear(&e->retired);
	e->retired = e->info;
	e->retired.full_id = NULL;
	memcpy(fresh.info.id, e->info.id, sizeof(fresh.info.id));
	e->info = fresh.info;
	e->info.full_id = full;
	e->info.holds = holds;
	free(e->state_path);
	e->state_path = fresh.state_path;
	e->state_st = fresh.state_st;
}

static int same_stamp(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Found metadata: stat its file at most once per CONTAINER_STAT_NS and
 * parse again when it changed. A file gone (docker rm) keeps the metadata
 * read before, for as long as the cache keeps the container. */
static void recheck_meta(struct container_cache *cc, struct centry *e, uint64_t now)
{
	struct stat st;

	if (!e->state_path || now < e->next_stat_ns)
		return;
	e->next_stat_ns = now + CONTAINER_STAT_NS;
	if (fstatat(AT_FDCWD, e->state_path, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
	    same_stamp(&st, &e->state_st))
		return;
	e->state_st = st; /* a file that does not parse is not tried again until it changes */
	reparse_meta(cc, e);
}

static void maybe_retry(struct container_cache *cc, struct centry *e)
{
	uint64_t now;

	if (e->meta_found) {
		recheck_meta(cc, e, clock_monotonic_ns());
		return;
	}
	if (e->probes > CONTAINER_META_RETRIES || !has_disk_state(e->info.type))
		return;
	now = clock_monotonic_ns();
	if (now < e->next_probe_ns)
		return;
	fill_meta(cc, e, e->info.type);
}

static int same_container(const struct centry *e, const struct cgroup_match *m)
{
	/* 64-hex ids are unique across runtimes; names only within one. */
	int named = m->type == CT_LXC || m->type == CT_NSPAWN;
	int e_named = e->info.type == CT_LXC || e->info.type == CT_NSPAWN;

	return strcmp(e->info.full_id, m->id) == 0 && named == e_named &&
	       (!named || e->info.type == m->type);
}

/*
 * Second-chance clock over the buckets: the first container that no process
 * holds and that was not looked up since the hand last passed is freed.
 * The path cache points into containers, so it is emptied first (under a
 * flood of new ids that costs the paths added since the last eviction).
 * Returns 0 when every container is held (the cache then grows: live
 * processes bound it).
 */
static int evict_one(struct container_cache *cc)
{
	size_t step;

	for (step = 0; step < 2 * CONTAINER_ID_BUCKETS + 1; step++) {
		struct centry **pp = &cc->ids[cc->hand], *e;

		while ((e = *pp) != NULL) {
			if (e->info.holds == 0 && !e->used) {
				clear_paths(cc);
				*pp = e->next;
				centry_free(e);
				cc->ncontainers--;
				cc->evictions++;
				return 1;
			}
			e->used = 0;
			pp = &e->next;
		}
		cc->hand = (cc->hand + 1) & (CONTAINER_ID_BUCKETS - 1);
	}
	return 0;
}

static struct centry *get_container(struct container_cache *cc, const struct cgroup_match *m)
{
	uint32_t b = hash_bytes(m->id, strlen(m->id)) & (CONTAINER_ID_BUCKETS - 1);
	struct centry *e;

	for (e = cc->ids[b]; e; e = e->next) {
		if (same_container(e, m)) {
			e->used = 1;
			return e;
		}
	}
	if (cc->ncontainers >= CONTAINER_CACHE_MAX)
		evict_one(cc);
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->info.type = m->type;
	e->info.privileged = -1;
	e->info.full_id = strdup(m->id);
	if (!e->info.full_id) {
		free(e);
		return NULL;
	}
	snprintf(e->info.id, sizeof(e->info.id), "%.*s", CONTAINER_SHORT_ID_LEN, m->id);
	memcpy(e->pod_uid, m->pod_uid, sizeof(e->pod_uid));
	if (has_disk_state(m->type))
		fill_meta(cc, e, m->type);
	else
		e->info.name = strdup(m->id); /* LXC and machined: the name is the id */
	e->used = 1;
	e->next = cc->ids[b];
	cc->ids[b] = e;
	cc->ncontainers++;
	return e;
}

/* The container of one path, from the path cache or by matching it. */
static const struct container_info *lookup_path(struct container_cache *cc, const char *path,
                                                size_t len)
{
	uint32_t b = hash_bytes(path, len) & (CONTAINER_PATH_BUCKETS - 1);
	struct cgroup_match m;
	struct pentry *p;
	const struct container_info *info = &container_host;

	for (p = cc->paths[b]; p; p = p->next) {
		if (p->len == len && memcmp(p->path, path, len) == 0) {
			if (p->info != &container_host) {
				struct centry *e = (struct centry *)(void *)p->info;

				e->used = 1;
				maybe_retry(cc, e);
			}
			return p->info;
		}
	}
	if (cgroup_match_path(path, len, &m)) {
		struct centry *e = get_container(cc, &m);

		if (!e)
			return NULL;
		maybe_retry(cc, e);
		info = &e->info;
	}
	if (cc->npaths >= CONTAINER_PATH_CACHE_MAX)
		clear_paths(cc);
	p = malloc(sizeof(*p) + len + 1);
	if (p) {
		p->info = info;
		p->len = len;
		memcpy(p->path, path, len);
		p->path[len] = '\0';
		p->next = cc->paths[b];
		cc->paths[b] = p;
		cc->npaths++;
	}
	return info;
}

const struct container_info *container_cache_lookup_cgroup(struct container_cache *cc,
                                                           const char *text, size_t len)
{
	size_t pos = 0, plen;
	const char *path;

	while (cgroup_next_path(text, len, &pos, &path, &plen)) {
		const struct container_info *info = lookup_path(cc, path, plen);

		if (info && info != &container_host)
			return info;
	}
	return &container_host;
}

const struct container_info *
container_cache_lookup_id(struct container_cache *cc, const char *full_id, enum container_type hint)
{
	struct cgroup_match m;
	struct centry *e;
	size_t i;

	if (!full_id || strlen(full_id) != CGROUP_HEX_ID_LEN || !has_disk_state(hint))
		return NULL;
	for (i = 0; i < CGROUP_HEX_ID_LEN; i++)
		if (!((full_id[i] >= '0' && full_id[i] <= '9') ||
		      (full_id[i] >= 'a' && full_id[i] <= 'f')))
			return NULL;
	memset(&m, 0, sizeof(m));
	m.type = hint;
	memcpy(m.id, full_id, CGROUP_HEX_ID_LEN);
	e = get_container(cc, &m);
	if (!e)
		return NULL;
	maybe_retry(cc, e);
	return &e->info;
}

const struct container_info *container_cache_lookup_pid(struct container_cache *cc,
                                                        const char *procroot, int64_t pid)
{
	char path[PATH_MAX];
	ssize_t got;

	snprintf(path, sizeof(path), "%s/%lld/cgroup", procroot, (long long)pid);
	got = file_read_into(AT_FDCWD, path, cc->buf, sizeof(cc->buf), 0);
	if (got <= 0)
		return NULL;
	return container_cache_lookup_cgroup(cc, cc->buf, (size_t)got);
}

void container_cache_refresh(struct container_cache *cc, const struct container_info *ci)
{
	if (cc && ci && ci != &container_host)
		maybe_retry(cc, (struct centry *)(void *)ci);
}

void container_info_hold(const struct container_info *ci)
{
	if (ci && ci != &container_host)
		((struct container_info *)(void *)ci)->holds++;
}

void container_info_release(const struct container_info *ci)
{
	struct container_info *w = (struct container_info *)(void *)ci;

	if (ci && ci != &container_host && w->holds > 0)
		w->holds--;
}

void container_cache_get_stats(const struct container_cache *cc, struct container_cache_stats *st)
{
	st->containers = cc->ncontainers;
	st->paths = cc->npaths;
	st->evictions = cc->evictions;
}
