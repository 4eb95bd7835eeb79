/*
 * fuzz_cgroup.c — fuzz target for the container context parsers: the same
 * input is read as a /proc/<pid>/cgroup file (matcher and cache) and as each
 * runtime state file (docker, OCI, runc, containers.json) and image reference.
 * libFuzzer entry with -DKESTREL_LIBFUZZER; otherwise a plain driver that
 * runs the files named on its command line (the gcc build, for CI and crashes).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc/cgroup.h"
#include "proc/container.h"
#include "proc/container_state.h"

/* Roots that do not exist: the cache must cope without any runtime state. */
#define FUZZ_NO_ROOT "/nonexistent/kestrel-fuzz"
#define FUZZ_ERR_MAX 256
/* The id the storage index is searched for. */
#define FUZZ_STORAGE_ID "ee1b9e446c36eb8aa2e5094712b00c9d954e5631c4ab05c02c768563b910769a"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct container_cache *fuzz_cache(void)
{
	static struct container_cache *cc;
	static const struct container_roots roots = {FUZZ_NO_ROOT, FUZZ_NO_ROOT, FUZZ_NO_ROOT,
	                                             FUZZ_NO_ROOT};

	if (!cc)
		cc = container_cache_new(&roots);
	return cc;
}

static void state_parsers(const char *buf, size_t len)
{
	struct container_state_refs refs;
	struct container_info ci;
	char err[FUZZ_ERR_MAX];

	memset(&ci, 0, sizeof(ci));
	ci.privileged = -1;
	container_state_docker_config(&ci, buf, len, err, sizeof(err));
	container_state_docker_hostconfig(&ci, buf, len, err, sizeof(err));
	container_state_clear(&ci);
	container_state_oci_config(&ci, buf, len, &refs, err, sizeof(err));
	container_state_pod_labels(&ci, buf, len, err, sizeof(err));
	container_state_clear(&ci);
	container_state_runc_state(&ci, buf, len, &refs, err, sizeof(err));
	container_state_clear(&ci);
	container_state_storage_index(&ci, buf, len, FUZZ_STORAGE_ID, err, sizeof(err));
	container_state_clear(&ci);
	container_state_set_image(&ci, buf); /* buf is NUL-terminated */
	container_state_clear(&ci);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct container_cache *cc = fuzz_cache();
	struct cgroup_match m;
	char *buf = malloc(size + 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	cgroup_match_text(buf, size, &m);
	cgroup_match_path(buf, size, &m);
	if (cc)
		container_cache_lookup_cgroup(cc, buf, size);
	state_parsers(buf, size);
	free(buf);
	return 0;
}

#ifndef KESTREL_LIBFUZZER
/* Bound of one input file in the plain driver. */
#define FUZZ_INPUT_MAX (1u << 20)

int main(int argc, char **argv)
{
	static uint8_t input[FUZZ_INPUT_MAX];
	int i, rc = 0;

	for (i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		size_t n;

		if (!f) {
			perror(argv[i]);
			rc = 1;
			continue;
		}
		n = fread(input, 1, sizeof(input), f);
		fclose(f);
		LLVMFuzzerTestOneInput(input, n);
	}
	container_cache_free(fuzz_cache());
	return rc;
}
#endif
