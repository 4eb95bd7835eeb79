/*
 * container_state.c — turns a container runtime's on-disk state (JSON written
 * by docker, containerd, CRI-O, podman, runc) into the container_info fields
 * Falco rules print: name, image and its repository/tag, privileged, labels
 * and the Kubernetes pod. Runs once per new container, never per event.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "proc/container_state.h"
#include "util/buf.h"

/* Annotation keys, in the order of preference Falco's CRI engine uses. */
static const char *const k_name_keys[] = {"io.kubernetes.container.name",
                                          "io.kubernetes.cri.container-name", "nerdctl/name", NULL};
static const char *const k_image_keys[] = {"io.kubernetes.cri.image-name",
                                           "io.kubernetes.cri-o.Image",
                                           "io.kubernetes.cri-o.ImageName", NULL};
static const char *const k_pod_name_keys[] = {"io.kubernetes.pod.name",
                                              "io.kubernetes.cri.sandbox-name", NULL};
static const char *const k_pod_ns_keys[] = {"io.kubernetes.pod.namespace",
                                            "io.kubernetes.cri.sandbox-namespace", NULL};
static const char *const k_pod_uid_keys[] = {"io.kubernetes.pod.uid",
                                             "io.kubernetes.cri.sandbox-uid", NULL};

#define CRIO_LABELS_KEY "io.kubernetes.cri-o.Labels"
#define CRIO_SANDBOX_KEY "io.kubernetes.cri-o.SandboxID"
#define MANAGER_KEY "io.container.manager"
#define CRI_PREFIX "io.kubernetes.cri."
#define DIGEST_PREFIX "sha256:"
#define DEFAULT_TAG "latest"

static void set_str(char **dst, const char *v)
{
	if (!*dst && v && *v)
		*dst = strdup(v);
}

static const char *obj_str(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static const char *first_str(json_t *obj, const char *const *keys)
{
	for (; *keys; keys++) {
		const char *v = obj_str(obj, *keys);

		if (v && *v)
			return v;
	}
	return NULL;
}

static json_t *load(const char *buf, size_t len, json_type want, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root = json_loadb(buf, len, 0, &je);

	if (!root) {
		snprintf(err, errlen, "line %d column %d: %s", je.line, je.column, je.text);
		return NULL;
	}
	if (json_typeof(root) != want) {
		snprintf(err, errlen, "unexpected JSON %s at top level",
		         want == JSON_OBJECT ? "(want an object)" : "(want an array)");
		json_decref(root);
		return NULL;
	}
	return root;
}

/* Falco's container.labels format from a {key: "value"} object. */
static void set_labels(char **dst, json_t *obj)
{
	struct buf b = {0};
	const char *k;
	json_t *v;

	if (*dst || !json_is_object(obj))
		return;
	json_object_foreach(obj, k, v)
	{
		const char *s = json_string_value(v);

		if (!s || strlen(s) > CONTAINER_LABEL_MAX_LEN)
			continue;
		if ((b.len && buf_putc(&b, ',')) || buf_puts(&b, k) || buf_putc(&b, ':') ||
		    buf_puts(&b, s)) {
			buf_free(&b);
			return;
		}
	}
	*dst = b.p;
}

static int is_digest_only(const char *ref)
{
	size_t pl = strlen(DIGEST_PREFIX);

	return strncmp(ref, DIGEST_PREFIX, pl) == 0 && !strchr(ref, '/');
}

void container_state_set_image(struct container_info *ci, const char *ref)
{
	const char *at;
	size_t end, i, slash = SIZE_MAX, colon = SIZE_MAX;

	if (ci->image || !ref || !*ref)
		return;
	ci->image = strdup(ref);
	if (!ci->image || is_digest_only(ref))
		return; /* an image id names no repository */
	at = strchr(ref, '@');
	end = at ? (size_t)(at - ref) : strlen(ref);
	for (i = 0; i < end; i++) {
		if (ref[i] == '/')
			slash = i;
		else if (ref[i] == ':')
			colon = i;
	}
	/* a ':' before the last '/' is a registry port, not a tag */
	if (colon != SIZE_MAX && (slash == SIZE_MAX || colon > slash)) {
		ci->image_repository = strndup(ref, colon);
		if (colon + 1 < end)
			ci->image_tag = strndup(ref + colon + 1, end - colon - 1);
	} else {
		ci->image_repository = strndup(ref, end);
		if (!at)
			ci->image_tag = strdup(DEFAULT_TAG);
	}
	if (ci->image_repository && !*ci->image_repository) {
		free(ci->image_repository);
		ci->image_repository = NULL;
	}
}

/* Kubernetes pod fields from docker labels or OCI annotations. */
static void set_k8s(struct container_info *ci, json_t *kv)
{
	set_str(&ci->k8s_pod_name, first_str(kv, k_pod_name_keys));
	set_str(&ci->k8s_ns_name, first_str(kv, k_pod_ns_keys));
	set_str(&ci->k8s_pod_uid, first_str(kv, k_pod_uid_keys));
}

int container_state_docker_config(struct container_info *ci, const char *buf, size_t len, char *err,
                                  size_t errlen)
{
	json_t *root = load(buf, len, JSON_OBJECT, err, errlen), *config, *labels;
	const char *name;

	if (!root)
		return -1;
	name = obj_str(root, "Name");
	if (name && *name == '/')
		name++;
	set_str(&ci->name, name);
	config = json_object_get(root, "Config");
	container_state_set_image(ci, obj_str(config, "Image"));
	labels = json_object_get(config, "Labels");
	set_labels(&ci->labels, labels);
	if (json_is_object(labels))
		set_k8s(ci, labels);
	json_decref(root);
	return 0;
}

int container_state_docker_hostconfig(struct container_info *ci, const char *buf, size_t len,
                                      char *err, size_t errlen)
{
	json_t *root = load(buf, len, JSON_OBJECT, err, errlen), *priv;

	if (!root)
		return -1;
	priv = json_object_get(root, "Privileged");
	if (ci->privileged < 0 && json_is_boolean(priv))
		ci->privileged = json_is_true(priv);
	json_decref(root);
	return 0;
}

static int array_has_string(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
	{
		const char *e = json_string_value(v);

		if (e && strcmp(e, s) == 0)
			return 1;
	}
	return 0;
}

/*
 * The OCI spec does not say "privileged"; runtimes express it by what they
 * leave out. Like Falco's containerd engine: privileged when nothing is
 * masked or read-only, no seccomp filter applies and CAP_SYS_ADMIN is kept.
 */
static int oci_privileged(json_t *spec)
{
	json_t *linux_ = json_object_get(spec, "linux");
	json_t *caps = json_object_get(json_object_get(spec, "process"), "capabilities");

	if (!json_is_object(linux_) || !json_is_object(caps))
		return -1;
	if (json_array_size(json_object_get(linux_, "maskedPaths")) > 0 ||
	    json_array_size(json_object_get(linux_, "readonlyPaths")) > 0 ||
	    json_object_get(linux_, "seccomp"))
		return 0;
	return array_has_string(json_object_get(caps, "bounding"), "CAP_SYS_ADMIN");
}

/* CRI-O keeps labels as a JSON object serialised into one annotation. */
static void set_labels_from_string(char **dst, const char *text)
{
	json_t *obj;

	if (*dst || !text)
		return;
	obj = json_loads(text, 0, NULL);
	if (obj) {
		set_labels(dst, obj);
		json_decref(obj);
	}
}

static int is_hex_sandbox(const char *s)
{
	size_t i;

	for (i = 0; i < CGROUP_HEX_ID_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[CGROUP_HEX_ID_LEN] == '\0';
}

static int has_key_prefix(json_t *obj, const char *prefix)
{
	size_t pl = strlen(prefix);
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v) if (strncmp(k, prefix, pl) == 0) return 1;
	return 0;
}

/* containerd's CRI keeps the kubelet labels in its database; rebuild the
 * ones Falco's CRI engine shows from the annotations. */
static void set_cri_labels(struct container_info *ci)
{
	const char *keys[] = {"io.kubernetes.container.name", "io.kubernetes.pod.name",
	                      "io.kubernetes.pod.namespace", "io.kubernetes.pod.uid"};
	const char *vals[] = {ci->name, ci->k8s_pod_name, ci->k8s_ns_name, ci->k8s_pod_uid};
	json_t *obj;
	size_t i;

	if (ci->labels)
		return;
	obj = json_object();
	if (!obj)
		return;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (vals[i])
			json_object_set_new(obj, keys[i], json_string(vals[i]));
	if (json_object_size(obj))
		set_labels(&ci->labels, obj);
	json_decref(obj);
}

/* Fill ci from an annotations object (OCI spec or runc labels). */
static void apply_annotations(struct container_info *ci, json_t *ann,
                              struct container_state_refs *refs)
{
	const char *manager, *sandbox;
	int cri;

	if (!json_is_object(ann))
		return;
	manager = obj_str(ann, MANAGER_KEY);
	cri = has_key_prefix(ann, CRI_PREFIX);
	if (manager && strcmp(manager, "cri-o") == 0)
		refs->runtime = CT_CRIO;
	else if (manager && strcmp(manager, "libpod") == 0)
		refs->runtime = CT_PODMAN;
	else if (cri || has_key_prefix(ann, "nerdctl/"))
		refs->runtime = CT_CONTAINERD;
	sandbox = obj_str(ann, CRIO_SANDBOX_KEY);
	if (sandbox && is_hex_sandbox(sandbox))
		snprintf(refs->sandbox_id, sizeof(refs->sandbox_id), "%s", sandbox);
	set_str(&ci->name, first_str(ann, k_name_keys));
	container_state_set_image(ci, first_str(ann, k_image_keys));
	set_k8s(ci, ann);
	set_labels_from_string(&ci->labels, obj_str(ann, CRIO_LABELS_KEY));
	if (cri)
		set_cri_labels(ci);
}

int container_state_oci_config(struct container_info *ci, const char *buf, size_t len,
                               struct container_state_refs *refs, char *err, size_t errlen)
{
	json_t *root = load(buf, len, JSON_OBJECT, err, errlen);

	refs->runtime = CT_HOST;
	refs->sandbox_id[0] = '\0';
	if (!root)
		return -1;
	apply_annotations(ci, json_object_get(root, "annotations"), refs);
	if (ci->privileged < 0)
		ci->privileged = oci_privileged(root);
	json_decref(root);
	return 0;
}

int container_state_runc_state(struct container_info *ci, const char *buf, size_t len,
                               struct container_state_refs *refs, char *err, size_t errlen)
{
	json_t *root = load(buf, len, JSON_OBJECT, err, errlen), *labels, *ann, *v;
	size_t i;

	refs->runtime = CT_HOST;
	refs->sandbox_id[0] = '\0';
	if (!root)
		return -1;
	labels = json_object_get(json_object_get(root, "config"), "labels");
	ann = json_object();
	if (!ann) {
		json_decref(root);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	json_array_foreach(labels, i, v)
	{
		const char *kv = json_string_value(v), *eq = kv ? strchr(kv, '=') : NULL;
		char *key;

		if (!eq || eq == kv)
			continue;
		key = strndup(kv, (size_t)(eq - kv));
		if (key)
			json_object_set_new(ann, key, json_string(eq + 1));
		free(key);
	}
	apply_annotations(ci, ann, refs);
	json_decref(ann);
	json_decref(root);
	return 0;
}

int container_state_pod_labels(struct container_info *ci, const char *buf, size_t len, char *err,
                               size_t errlen)
{
	json_t *root = load(buf, len, JSON_OBJECT, err, errlen);

	if (!root)
		return -1;
	set_labels_from_string(&ci->k8s_pod_labels,
	                       obj_str(json_object_get(root, "annotations"), CRIO_LABELS_KEY));
	json_decref(root);
	return 0;
}

int container_state_storage_index(struct container_info *ci, const char *buf, size_t len,
                                  const char *full_id, char *err, size_t errlen)
{
	json_t *root = load(buf, len, JSON_ARRAY, err, errlen), *e;
	size_t i;

	if (!root)
		return -1;
	json_array_foreach(root, i, e)
	{
		const char *id = obj_str(e, "id"), *meta;

		if (!id || strcmp(id, full_id) != 0)
			continue;
		set_str(&ci->name,
		        json_string_value(json_array_get(json_object_get(e, "names"), 0)));
		meta = obj_str(e, "metadata");
		if (meta) {
			json_t *m = json_loads(meta, 0, NULL);

			container_state_set_image(ci, obj_str(m, "image-name"));
			json_decref(m);
		}
		break;
	}
	json_decref(root);
	return 0;
}

void container_state_clear(struct container_info *ci)
{
	char **fields[] = {&ci->full_id,          &ci->name,        &ci->image,
	                   &ci->image_repository, &ci->image_tag,   &ci->labels,
	                   &ci->k8s_pod_name,     &ci->k8s_ns_name, &ci->k8s_pod_uid,
	                   &ci->k8s_pod_labels};
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		free(*fields[i]);
		*fields[i] = NULL;
	}
}
