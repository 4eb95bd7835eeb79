/*
 * container.h — container context derived from /proc/<pid>/cgroup and the
 * container runtime's on-disk state (no runtime API calls). Cached per
 * cgroup path and per container id.
 */
#ifndef KESTREL_CONTAINER_H
#define KESTREL_CONTAINER_H

#include <stddef.h>
#include <stdint.h>

#define CONTAINER_SHORT_ID_LEN 12

enum container_type {
	CT_HOST = 0,
	CT_DOCKER,
	CT_CONTAINERD, /* containerd / CRI */
	CT_CRIO,
	CT_PODMAN,
	CT_LXC,
	CT_NSPAWN,
	CT_UNKNOWN_RUNTIME,
};

struct container_info {
	enum container_type type;
	char id[CONTAINER_SHORT_ID_LEN + 1]; /* "host" outside a container */
	char *full_id;          /* NULL on the host */
	char *name;             /* NULL when the state does not say (prints <NA>) */
	char *image;            /* full image reference */
	char *image_repository;
	char *image_tag;
	int privileged;         /* 1/0, -1 unknown */
	char *labels;           /* "k1:v1,k2:v2" as Falco prints container.labels, or NULL */
	char *k8s_pod_name, *k8s_ns_name, *k8s_pod_uid, *k8s_pod_labels;
	unsigned holds; /* container_info_hold() count; the cache's business */
};

/* "docker", "containerd", "cri-o", "podman", "lxc", "libvirt-lxc"/"nspawn"... as Falco names them. */
const char *container_type_name(enum container_type t);

/* The host: id "host", type CT_HOST, every other field NULL/-1. */
extern const struct container_info container_host;

/* Where each runtime keeps its state (configurable so tests use a fixture
 * tree). NULL members take the runtime's default path. */
struct container_roots {
	const char *docker;     /* /var/lib/docker */
	const char *containerd; /* /run/containerd */
	const char *crio;       /* /var/lib/containers/storage */
	const char *podman;     /* /var/lib/containers/storage */
};

struct container_cache;

struct container_cache *container_cache_new(const struct container_roots *roots);
void container_cache_free(struct container_cache *cc);
/* Container of a process from <procroot>/<pid>/cgroup (procroot is "/proc"
 * outside tests). Returns NULL when the file cannot be read (process gone),
 * &container_host for host processes. The result is owned by the cache: it
 * stays valid until the next lookup, or while held (container_info_hold):
 * the cache keeps at most CONTAINER_CACHE_MAX (4,096) containers that no
 * one holds and evicts the least recently used of those (clock), so a
 * flood of made-up ids cannot grow it. */
const struct container_info *container_cache_lookup_pid(struct container_cache *cc,
							const char *procroot, int64_t pid);
/* Same, from the text of a cgroup file (one or more "N:ctrl:/path" lines). */
const struct container_info *container_cache_lookup_cgroup(struct container_cache *cc,
							   const char *text, size_t len);

/* A container the caller already has (a process's, inherited or resolved
 * before; ci from this cache or &container_host): brings its metadata up to
 * date the way a lookup does. Found state is stat()ed at most once a second
 * and parsed again when its file changed (docker rename); state that
 * disappeared (docker rm) leaves the metadata read before in place. State not
 * found yet is probed again on the retry schedule. */
void container_cache_refresh(struct container_cache *cc, const struct container_info *ci);

/* Container of a 64-hex full id named by a trusted source (a root runtime
 * process's arguments), from the cache or read like a cgroup match of
 * runtime hint (docker, containerd, cri-o, podman). NULL when full_id is
 * not 64 lowercase hex or the hint has no on-disk state. */
const struct container_info *container_cache_lookup_id(struct container_cache *cc,
                                                       const char *full_id,
                                                       enum container_type hint);

/* Keep ci valid across lookups (the process table holds the container of
 * each process it knows); release once per hold. &container_host and NULL
 * are ignored. */
void container_info_hold(const struct container_info *ci);
void container_info_release(const struct container_info *ci);

struct container_cache_stats {
	size_t containers; /* cached now (held or not) */
	size_t paths;      /* cgroup paths cached */
	uint64_t evictions; /* containers evicted to stay within the bound */
};
void container_cache_get_stats(const struct container_cache *cc, struct container_cache_stats *st);

#endif
