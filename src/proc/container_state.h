/*
 * container_state.h — parsers for the files container runtimes keep on disk
 * (docker config.v2.json and hostconfig.json, OCI bundle config.json
 * annotations, runc state.json, containers/storage containers.json). They
 * work on text already read, so the cache (container.c) owns all I/O and the
 * fuzz target can feed them anything.
 *
 * Memory: every parser fills only the fields of *ci that are still unknown
 * (NULL strings, privileged -1), so the first source read wins. The strings
 * are malloc'd and owned by *ci; container_state_clear() frees them.
 */
#ifndef KESTREL_CONTAINER_STATE_H
#define KESTREL_CONTAINER_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "proc/cgroup.h"
#include "proc/container.h"

/* Falco's label_max_len: labels with longer values are left out. */
#define CONTAINER_LABEL_MAX_LEN 100

/* What a file says about itself beyond container_info. */
struct container_state_refs {
	enum container_type runtime;            /* from the annotations; CT_HOST when silent */
	char sandbox_id[CGROUP_HEX_ID_LEN + 1]; /* CRI-O pod sandbox, "" if none */
};

/* Each returns 0, or -1 with a message in err when the text is not the JSON
 * the file should hold (the caller adds the file name). */
int container_state_docker_config(struct container_info *ci, const char *buf, size_t len, char *err,
                                  size_t errlen);
int container_state_docker_hostconfig(struct container_info *ci, const char *buf, size_t len,
                                      char *err, size_t errlen);
/* OCI runtime spec (containerd bundle, CRI-O / podman userdata/config.json). */
int container_state_oci_config(struct container_info *ci, const char *buf, size_t len,
                               struct container_state_refs *refs, char *err, size_t errlen);
/* runc state.json: config.labels holds every OCI annotation as "k=v". */
int container_state_runc_state(struct container_info *ci, const char *buf, size_t len,
                               struct container_state_refs *refs, char *err, size_t errlen);
/* CRI-O pod sandbox config.json: its io.kubernetes.cri-o.Labels are the pod's. */
int container_state_pod_labels(struct container_info *ci, const char *buf, size_t len, char *err,
                               size_t errlen);
/* containers/storage overlay-containers/containers.json: the entry of full_id
 * gives the name (names[0]) and image (metadata "image-name"). */
int container_state_storage_index(struct container_info *ci, const char *buf, size_t len,
                                  const char *full_id, char *err, size_t errlen);

/* Set image, image_repository and image_tag from an image reference
 * ([registry[:port]/]path[:tag][@digest]); the tag is "latest" when the
 * reference names neither tag nor digest, NULL with a digest only. */
void container_state_set_image(struct container_info *ci, const char *ref);

/* Free every string of *ci (full_id included) and reset them to NULL; type,
 * id and privileged are left as they are. */
void container_state_clear(struct container_info *ci);

#endif
