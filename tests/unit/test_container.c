/*
 * test_container.c — container context: the cgroup matcher over a table of
 * real-shaped /proc/<pid>/cgroup lines for every runtime and driver (v1 and
 * v2), the host cgroups that must never match, garbage input, and the cache
 * reading metadata from the fixture tree tests/fixtures/containers/.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc/cgroup.h"
#include "proc/container.h"
#include "proc/container_state.h"
#include "testutil.h"

/* Ids of the fixture tree (sha256 of made-up names). */
#define ID_DOCKER "100bfc2eb101e79d2128a2fcaf9a7274e6e9aa87388e485e675edfab5c23551e"
#define ID_DOCKER_K8S "e325eab8516f188dff5382428d5925ba39b6f846c6b465636f80ff0437f82a13"
#define ID_CONTAINERD "9228f16412b83344e050feaa8de41f2206ca237c2ecbeb49d4982f5be793f15a"
#define ID_RUNC "4c5510c7f3dd5d7e0e24782f6df5065c2295518c13e754b68fa31338f46ead54"
#define ID_CRIO "2a693b4e73160f27c848768f4004026963a4d0332c419e7442f3fd03b796534f"
#define ID_PODMAN "ee1b9e446c36eb8aa2e5094712b00c9d954e5631c4ab05c02c768563b910769a"
#define ID_BAD "752c50a7cd6d9dceb8034d286775d18284c713270b236fab8c58022518f6caed"
/* Ids with no state in the fixture tree. */
#define ID_A "3083b8d8c2b7ad0e1bc4b0e2a0d8f4cfb6e5f0e4dca0a0a1b2c3d4e5f6a7b8c9"
#define ID_B "7951fb549ab99e0722a949b6c121634e1f3a36b5bacbe5392991e3b12251e6b8"
#define POD_UID "16fbb613-14dd-437e-a69d-baf0c200a068"
#define POD_UID_ "16fbb613_14dd_437e_a69d_baf0c200a068"
#define HOST_HASH "b80d413122fc86e50308edd0704a6a7e"

struct cg_case {
	const char *text;
	enum container_type type; /* CT_HOST: must not match */
	const char *id;           /* full id or name */
	const char *pod_uid;      /* "" when none */
};

/* This VM's own hybrid cgroup file, with a process moved into docker's
 * cgroupfs layout on every hierarchy. */
static const char hybrid_docker[] = "9:name=systemd:/docker/" ID_A "\n"
                                    "8:pids:/docker/" ID_A "\n"
                                    "7:blkio:/docker/" ID_A "\n"
                                    "6:freezer:/docker/" ID_A "\n"
                                    "5:devices:/docker/" ID_A "\n"
                                    "4:memory:/process_api/" HOST_HASH "/docker/" ID_A "\n"
                                    "3:cpuset:/docker/" ID_A "\n"
                                    "2:cpuacct:/docker/" ID_A "\n"
                                    "1:cpu:/docker/" ID_A "\n"
                                    "0::/docker/" ID_A "\n";

static const struct cg_case containers[] = {
    /* docker, cgroupfs and systemd drivers, v1 and v2 */
    {hybrid_docker, CT_DOCKER, ID_A, ""},
    {"0::/docker/" ID_A "\n", CT_DOCKER, ID_A, ""},
    {"12:pids:/system.slice/docker-" ID_A ".scope\n", CT_DOCKER, ID_A, ""},
    {"1:name=systemd:/system.slice/docker-" ID_A ".scope\n0::/\n", CT_DOCKER, ID_A, ""},
    {"0::/system.slice/docker-" ID_A ".scope\n", CT_DOCKER, ID_A, ""},
    {"0::/docker.slice/docker-" ID_A ".scope", CT_DOCKER, ID_A, ""},
    {"0::/ecs/0123456789abcdef0123456789abcdef/" ID_A "\n", CT_DOCKER, ID_A, ""},
    {"0::/system.slice/docker-" ID_A ".scope (deleted)\n", CT_DOCKER, ID_A, ""},
    /* docker in docker: the outermost container (the host's; a name made
     * inside a container's own cgroup says nothing) */
    {"0::/docker/" ID_B "/docker/" ID_A "\n", CT_DOCKER, ID_B, ""},
    /* containerd / CRI: kubepods cgroupfs (all QoS) and systemd */
    {"11:memory:/kubepods/besteffort/pod" POD_UID "/" ID_A "\n", CT_CONTAINERD, ID_A, POD_UID},
    {"4:memory:/kubepods/burstable/pod" POD_UID "/" ID_A "\n", CT_CONTAINERD, ID_A, POD_UID},
    {"0::/kubepods/pod" POD_UID "/" ID_A "\n", CT_CONTAINERD, ID_A, POD_UID},
    {"0::/kubepods/pod0123456789abcdef0123456789abcdef/" ID_A "\n", CT_CONTAINERD, ID_A,
     "0123456789abcdef0123456789abcdef"},
    {"0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" POD_UID_
     ".slice/cri-containerd-" ID_A ".scope\n",
     CT_CONTAINERD, ID_A, POD_UID},
    {"1:name=systemd:/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" POD_UID_
     ".slice/cri-containerd-" ID_A ".scope\n",
     CT_CONTAINERD, ID_A, POD_UID},
    {"0::/kubepods.slice/kubepods-pod" POD_UID_ ".slice/cri-containerd-" ID_A ".scope\n",
     CT_CONTAINERD, ID_A, POD_UID},
    {"0::/system.slice/containerd.service/kubepods-burstable-pod" POD_UID_
     ".slice:cri-containerd:" ID_A "\n",
     CT_CONTAINERD, ID_A, POD_UID},
    {"0::/system.slice/nerdctl-" ID_A ".scope\n", CT_CONTAINERD, ID_A, ""},
    /* kind: kubelet inside a docker container is that docker container,
     * the one whose state is on this host (no pod uid from below it) */
    {"0::/system.slice/docker-" ID_B ".scope/kubelet.slice/kubelet-kubepods.slice/"
     "kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod" POD_UID_
     ".slice/cri-containerd-" ID_A ".scope\n",
     CT_DOCKER, ID_B, ""},
    /* CRI-O, cgroupfs and systemd */
    {"4:memory:/kubepods/besteffort/pod" POD_UID "/crio-" ID_A "\n", CT_CRIO, ID_A, POD_UID},
    {"0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" POD_UID_
     ".slice/crio-" ID_A ".scope\n",
     CT_CRIO, ID_A, POD_UID},
    {"1:name=systemd:/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" POD_UID_
     ".slice/crio-" ID_A ".scope\n",
     CT_CRIO, ID_A, POD_UID},
    /* podman: systemd (v1, v2 with /container), cgroupfs, split (rootless
     * podman is under user.slice: host, see the spoof cases) */
    {"1:name=systemd:/machine.slice/libpod-" ID_A ".scope\n", CT_PODMAN, ID_A, ""},
    {"0::/machine.slice/libpod-" ID_A ".scope/container\n", CT_PODMAN, ID_A, ""},
    {"0::/libpod_parent/libpod-" ID_A "\n", CT_PODMAN, ID_A, ""},
    {"0::/system.slice/system-ceph.slice/ceph@mon.service/libpod-payload-" ID_A "\n", CT_PODMAN,
     ID_A, ""},
    /* LXC: legacy, LXC 4 payload (v1, v2, nested units inside) */
    {"4:memory:/lxc/web1\n", CT_LXC, "web1", ""},
    {"1:name=systemd:/lxc/web1/init.scope\n", CT_LXC, "web1", ""},
    {"0::/lxc.payload.web1\n", CT_LXC, "web1", ""},
    {"0::/lxc.payload.web1/system.slice/cron.service\n", CT_LXC, "web1", ""},
    {"0::/lxc.payload/web1\n", CT_LXC, "web1", ""},
    {"0::/lxc.payload.a-very-long-container-name\n", CT_LXC, "a-very-long-container-name", ""},
    /* systemd-nspawn, name unescaped */
    {"1:name=systemd:/machine.slice/machine-kestrel.scope\n", CT_NSPAWN, "kestrel", ""},
    {"0::/machine.slice/machine-debian\\x2dtest.scope/payload\n", CT_NSPAWN, "debian-test", ""},
    {"0::/machine.slice/machine-debian\\x2dtest.scope/payload/system.slice/cron.service\n",
     CT_NSPAWN, "debian-test", ""},
};

static const char *const hosts[] = {
    /* this VM */
    "9:name=systemd:/\n8:pids:/\n7:blkio:/\n6:freezer:/\n5:devices:/\n"
    "4:memory:/process_api/" HOST_HASH "\n3:cpuset:/\n2:cpuacct:/\n1:cpu:/\n0::/\n",
    "4:memory:/process_api/" HOST_HASH "\n",
    "0::/user.slice/user-0.slice/session-1.scope\n",
    "1:name=systemd:/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service\n",
    "1:name=systemd:/system.slice/cron.service\n",
    "0::/init.scope\n",
    "0::/\n",
    "0::/system.slice/docker.service\n",
    "0::/system.slice/containerd.service\n",
    "0::/user/1000.user/1.session\n",
    /* container monitors are host processes */
    "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" POD_UID_
    ".slice/crio-conmon-" ID_A ".scope\n",
    "0::/machine.slice/libpod-conmon-" ID_A ".scope\n",
    "0::/lxc.monitor.web1\n",
    /* a pod cgroup without a container leaf */
    "0::/kubepods/besteffort/pod" POD_UID "\n",
    /* near misses of the id shape */
    "0::/docker/"
    "3083b8d8c2b7ad0e1bc4b0e2a0d8f4cfb6e5f0e4dca0a0a1b2c3d4e5f6a7b8c"
    "\n",
    "0::/docker/" ID_A "0\n",
    "0::/docker/3083B8D8C2B7AD0E1BC4B0E2A0D8F4CFB6E5F0E4DCA0A0A1B2C3D4E5F6A7B8C9\n",
    "0::/docker/"
    "3083b8d8c2b7ad0e1bc4b0e2a0d8f4cfb6e5f0e4dca0a0a1b2c3d4e5f6a7b8cg"
    "\n",
    "0::/system.slice/docker-" ID_A ".service\n",
    "0::/system.slice/docker-" ID_A ".scope.bak\n",
    "0::/system.slice/cri-containerd-" ID_A "\n",
    "0::/default/test_container\n",
    "0::/lxc\n",
    "0::/lxc/..\n",
    "0::/machine.slice/machine-.scope\n",
    "0::/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope/libvirt/emulator\n",
    "0::/machine.slice/machine-bad\\x2.scope\n",
    "0::/system.slice/machine-kestrel.scope\n",
    /* issue 17 item 5: a user's delegated subtree (user@<uid>.service on
     * Debian 12) never names a container, whatever the shape... */
    "0::/user.slice/user-1000.slice/user@1000.service/app.slice/docker-" ID_A ".scope\n",
    "1:name=systemd:/user.slice/user-1000.slice/user@1000.service/app.slice/docker-" ID_A
    ".scope\n0::/user.slice/user-1000.slice/user@1000.service/app.slice/docker-" ID_A ".scope\n",
    "0::/user.slice/user-1000.slice/user@1000.service/kubepods/pod" POD_UID "/" ID_A "\n",
    "0::/user.slice/user-1000.slice/user@1000.service/x.slice/cri-containerd-" ID_A ".scope\n",
    "0::/user.slice/user-1000.slice/user@1000.service/lxc.payload.web1\n",
    "0::/user.slice/user-1000.slice/user@1000.service/machine.slice/machine-fake.scope\n",
    /* ...including rootless podman (it runs with that user's rights) */
    "0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID_A ".scope\n",
    "0::/user.slice/user-1000.slice/user@1000.service/user.slice/podman-4242.scope/" ID_A "\n",
    /* ...nor does a service with Delegate=yes under a systemd slice */
    "0::/system.slice/foo.service/docker-" ID_A ".scope\n",
    "0::/system.slice/foo.service/sub/" ID_A "\n",
    "0::/machine.slice/foo.service/libpod-" ID_A ".scope\n",
};

Test(cgroup, matches_every_runtime_and_driver_shape)
{
	size_t i;

	for (i = 0; i < sizeof(containers) / sizeof(containers[0]); i++) {
		const struct cg_case *c = &containers[i];
		struct cgroup_match m;
		int r = cgroup_match_text(c->text, strlen(c->text), &m);

		cr_expect_eq(r, 1, "case %zu not matched: %s", i, c->text);
		cr_expect_eq(m.type, c->type, "case %zu type %d, want %d: %s", i, m.type, c->type,
		             c->text);
		cr_expect_str_eq(m.id, c->id, "case %zu: %s", i, c->text);
		cr_expect_str_eq(m.pod_uid, c->pod_uid, "case %zu pod uid: %s", i, c->text);
	}
}

Test(cgroup, host_cgroups_never_match)
{
	size_t i;

	for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		struct cgroup_match m;
		int r = cgroup_match_text(hosts[i], strlen(hosts[i]), &m);

		cr_expect_eq(r, 0, "host case %zu matched as %d/%s: %s", i, m.type, m.id, hosts[i]);
		cr_expect_eq(m.type, CT_HOST);
		cr_expect_str_eq(m.id, "");
	}
}

Test(cgroup, garbage_input_is_host)
{
	static const char nul_text[] = "0::/docker/\0" ID_A "\n";
	const char *garbage[] = {"",
	                         "\n\n\n",
	                         "garbage",
	                         "::::",
	                         "0:",
	                         "0::",
	                         "0::\n",
	                         ":/docker/" ID_A "\n",
	                         "x::/docker/" ID_A "\n",
	                         "0::relative/docker/" ID_A "\n",
	                         "0:/docker/" ID_A "\n",
	                         "////////",
	                         "0::////////\n"};
	struct cgroup_match m;
	char deep[8192];
	size_t i, o = 0;

	for (i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++)
		cr_expect_eq(cgroup_match_text(garbage[i], strlen(garbage[i]), &m), 0, "%s",
		             garbage[i]);
	cr_expect_eq(cgroup_match_text(nul_text, sizeof(nul_text) - 1, &m), 0);
	/* a path far deeper than any runtime nests: a container component
	 * that deep is not taken (no runtime puts one there)... */
	o += (size_t)snprintf(deep + o, sizeof(deep) - o, "0::");
	for (i = 0; i < 200; i++)
		o += (size_t)snprintf(deep + o, sizeof(deep) - o, "/a%zu", i);
	snprintf(deep + o, sizeof(deep) - o, "/docker-%s.scope\n", ID_A);
	cr_expect_eq(cgroup_match_text(deep, strlen(deep), &m), 0);
	/* ...and nesting deep inside a real container does not hide it */
	o = (size_t)snprintf(deep, sizeof(deep), "0::/docker/%s", ID_B);
	for (i = 0; i < 200; i++)
		o += (size_t)snprintf(deep + o, sizeof(deep) - o, "/a%zu", i);
	snprintf(deep + o, sizeof(deep) - o, "/docker-%s.scope\n", ID_A);
	cr_expect_eq(cgroup_match_text(deep, strlen(deep), &m), 1);
	cr_expect_str_eq(m.id, ID_B);
}

Test(cgroup, iterates_paths_keeping_colons_in_the_path)
{
	const char text[] = "12:pids:/a\nbad line\n0::/b.slice:cri-containerd:x\n3:cpu,cpuacct:/c";
	const char *want[] = {"/a", "/b.slice:cri-containerd:x", "/c"};
	size_t pos = 0, plen, n = 0;
	const char *path;

	while (cgroup_next_path(text, sizeof(text) - 1, &pos, &path, &plen)) {
		cr_assert_lt(n, 3);
		cr_expect_eq(plen, strlen(want[n]));
		cr_expect_eq(memcmp(path, want[n], plen), 0, "path %zu", n);
		n++;
	}
	cr_expect_eq(n, 3);
}

Test(container, type_names_follow_falco)
{
	cr_expect_str_eq(container_type_name(CT_HOST), "host");
	cr_expect_str_eq(container_type_name(CT_DOCKER), "docker");
	cr_expect_str_eq(container_type_name(CT_CONTAINERD), "containerd");
	cr_expect_str_eq(container_type_name(CT_CRIO), "cri-o");
	cr_expect_str_eq(container_type_name(CT_PODMAN), "podman");
	cr_expect_str_eq(container_type_name(CT_LXC), "lxc");
	cr_expect_str_eq(container_type_name(CT_NSPAWN), "nspawn");
	cr_expect_str_eq(container_host.id, "host");
	cr_expect_eq(container_host.type, CT_HOST);
	cr_expect_null(container_host.full_id);
	cr_expect_eq(container_host.privileged, -1);
}

/* ---- image references ---- */

struct image_case {
	const char *ref, *repo, *tag;
};

Test(container, splits_image_references)
{
	static const struct image_case cases[] = {
	    {"nginx", "nginx", "latest"},
	    {"nginx:1.25", "nginx", "1.25"},
	    {"docker.io/library/nginx:1.25.3", "docker.io/library/nginx", "1.25.3"},
	    {"localhost:5000/app", "localhost:5000/app", "latest"},
	    {"localhost:5000/team/app:2.0", "localhost:5000/team/app", "2.0"},
	    {"quay.io/org/app@sha256:0123abcd", "quay.io/org/app", NULL},
	    {"registry.example.com:5000/api:2.1@sha256:0123abcd", "registry.example.com:5000/api",
	     "2.1"},
	    {"sha256:" ID_A, NULL, NULL},
	    {":orphan", NULL, "orphan"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct container_info ci = {.privileged = -1};

		container_state_set_image(&ci, cases[i].ref);
		cr_expect_str_eq(ci.image, cases[i].ref);
		if (cases[i].repo)
			cr_expect_str_eq(ci.image_repository, cases[i].repo, "%s", cases[i].ref);
		else
			cr_expect_null(ci.image_repository, "%s", cases[i].ref);
		if (cases[i].tag)
			cr_expect_str_eq(ci.image_tag, cases[i].tag, "%s", cases[i].ref);
		else
			cr_expect_null(ci.image_tag, "%s", cases[i].ref);
		container_state_clear(&ci);
	}
}

Test(container, state_parsers_reject_wrong_json_with_a_position)
{
	struct container_info ci = {.privileged = -1};
	struct container_state_refs refs;
	char err[256];

	cr_expect_eq(container_state_docker_config(&ci, "{\"Name\": ", 9, err, sizeof(err)), -1);
	cr_expect_neq(strstr(err, "line 1"), NULL, "%s", err);
	cr_expect_eq(container_state_oci_config(&ci, "[1,2]", 5, &refs, err, sizeof(err)), -1);
	cr_expect_eq(container_state_storage_index(&ci, "{}", 2, ID_A, err, sizeof(err)), -1);
	cr_expect_null(ci.name);
	cr_expect_null(ci.image);
}

/* ---- the cache over the fixture tree ---- */

static char fixtures[2048];

static const char *fixture_root(void)
{
	return tu_srcpath(fixtures, sizeof(fixtures), "tests/fixtures/containers");
}

static struct container_cache *fixture_cache(void)
{
	char docker[4096], containerd[4096], storage[4096];
	struct container_roots roots;
	const char *root = fixture_root();
	struct container_cache *cc;

	snprintf(docker, sizeof(docker), "%s/docker", root);
	snprintf(containerd, sizeof(containerd), "%s/containerd", root);
	snprintf(storage, sizeof(storage), "%s/storage", root);
	roots.docker = docker;
	roots.containerd = containerd;
	roots.crio = storage;
	roots.podman = storage;
	cc = container_cache_new(&roots);
	cr_assert_not_null(cc);
	return cc;
}

static const struct container_info *lookup(struct container_cache *cc, const char *text)
{
	const struct container_info *ci = container_cache_lookup_cgroup(cc, text, strlen(text));

	cr_assert_not_null(ci);
	return ci;
}

Test(container, docker_metadata_from_config_v2_and_hostconfig)
{
	struct container_cache *cc = fixture_cache();
	const struct container_info *ci =
	    lookup(cc, "0::/system.slice/docker-" ID_DOCKER ".scope\n");

	cr_expect_eq(ci->type, CT_DOCKER);
	cr_expect_str_eq(ci->id, "100bfc2eb101");
	cr_expect_str_eq(ci->full_id, ID_DOCKER);
	cr_expect_str_eq(ci->name, "web1");
	cr_expect_str_eq(ci->image, "nginx:1.25");
	cr_expect_str_eq(ci->image_repository, "nginx");
	cr_expect_str_eq(ci->image_tag, "1.25");
	cr_expect_eq(ci->privileged, 1);
	cr_expect_str_eq(ci->labels, "maintainer:NGINX Docker Maintainers,com.example.team:web");
	cr_expect_null(ci->k8s_pod_name);
	cr_expect_null(ci->k8s_ns_name);
	cr_expect_null(ci->k8s_pod_uid);
	cr_expect_null(ci->k8s_pod_labels);
	container_cache_free(cc);
}

Test(container, docker_k8s_labels_give_the_pod)
{
	struct container_cache *cc = fixture_cache();
	const struct container_info *ci =
	    lookup(cc, "4:memory:/kubepods/burstable/pod"
	               "0b7f4bd2-5c2a-4d5e-9f8e-3a1b2c3d4e5f/" ID_DOCKER_K8S "\n");

	/* the bare id under kubepods suggests containerd; docker's state wins */
	cr_expect_eq(ci->type, CT_DOCKER);
	cr_expect_str_eq(ci->name,
	                 "k8s_app_api-5d9c7b_default_0b7f4bd2-5c2a-4d5e-9f8e-3a1b2c3d4e5f_0");
	cr_expect_str_eq(ci->image_repository, "registry.example.com:5000/team/api");
	cr_expect_str_eq(ci->image_tag, "2.1");
	cr_expect_eq(ci->privileged, 0);
	cr_expect_str_eq(ci->k8s_pod_name, "api-5d9c7b");
	cr_expect_str_eq(ci->k8s_ns_name, "default");
	cr_expect_str_eq(ci->k8s_pod_uid, "0b7f4bd2-5c2a-4d5e-9f8e-3a1b2c3d4e5f");
	cr_assert_not_null(ci->labels);
	cr_expect_neq(strstr(ci->labels, "io.kubernetes.pod.name:api-5d9c7b"), NULL);
	/* a label value over Falco's 100 characters is left out */
	cr_expect_null(strstr(ci->labels, "annotation.long"), "%s", ci->labels);
	container_cache_free(cc);
}

Test(container, containerd_cri_bundle_annotations)
{
	struct container_cache *cc = fixture_cache();
	const struct container_info *ci =
	    lookup(cc, "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" POD_UID_
	               ".slice/cri-containerd-" ID_CONTAINERD ".scope\n");

	cr_expect_eq(ci->type, CT_CONTAINERD);
	cr_expect_str_eq(ci->id, "9228f16412b8");
	cr_expect_str_eq(ci->name, "nginx");
	cr_expect_str_eq(ci->image, "docker.io/library/nginx:1.25.3");
	cr_expect_str_eq(ci->image_repository, "docker.io/library/nginx");
	cr_expect_str_eq(ci->image_tag, "1.25.3");
	cr_expect_eq(ci->privileged, 0);
	cr_expect_str_eq(ci->k8s_pod_name, "web-7f9c6d");
	cr_expect_str_eq(ci->k8s_ns_name, "shop");
	cr_expect_str_eq(ci->k8s_pod_uid, POD_UID);
	cr_assert_not_null(ci->labels);
	cr_expect_neq(strstr(ci->labels, "io.kubernetes.pod.namespace:shop"), NULL, "%s",
	              ci->labels);
	container_cache_free(cc);
}

Test(container, runc_state_labels_in_another_containerd_namespace)
{
	struct container_cache *cc = fixture_cache();
	const struct container_info *ci = lookup(cc, "0::/default/" ID_RUNC "\n");

	cr_expect_eq(ci->type, CT_CONTAINERD);
	cr_expect_str_eq(ci->name, "cache");
	cr_expect_str_eq(ci->image_repository, "docker.io/library/redis");
	cr_expect_str_eq(ci->image_tag, "7-alpine");
	cr_expect_eq(ci->privileged, -1);
	cr_expect_null(ci->k8s_pod_name);
	container_cache_free(cc);
}

Test(container, crio_annotations_and_sandbox_pod_labels)
{
	struct container_cache *cc = fixture_cache();
	const struct container_info *ci =
	    lookup(cc, "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod"
	               "63b3ebfc_2890_4d2e_9b8a_1c2d3e4f5a6b.slice/crio-" ID_CRIO ".scope\n");

	cr_expect_eq(ci->type, CT_CRIO);
	cr_expect_str_eq(ci->name, "redis");
	cr_expect_str_eq(ci->image_repository, "quay.io/bitnami/redis");
	cr_expect_null(ci->image_tag); /* digest only */
	cr_expect_eq(ci->privileged, 0);
	cr_expect_str_eq(ci->k8s_pod_name, "cache-0");
	cr_expect_str_eq(ci->k8s_ns_name, "data");
	cr_expect_str_eq(ci->k8s_pod_uid, "63b3ebfc-2890-4d2e-9b8a-1c2d3e4f5a6b");
	cr_assert_not_null(ci->k8s_pod_labels);
	cr_expect_neq(strstr(ci->k8s_pod_labels, "app:cache"), NULL, "%s", ci->k8s_pod_labels);
	cr_expect_neq(strstr(ci->k8s_pod_labels, "tier:backend"), NULL);
	cr_assert_not_null(ci->labels);
	cr_expect_neq(strstr(ci->labels, "io.kubernetes.container.name:redis"), NULL);
	container_cache_free(cc);
}

Test(container, podman_name_and_image_from_containers_json)
{
	struct container_cache *cc = fixture_cache();
	const struct container_info *ci =
	    lookup(cc, "0::/machine.slice/libpod-" ID_PODMAN ".scope/container\n");

	cr_expect_eq(ci->type, CT_PODMAN);
	cr_expect_str_eq(ci->name, "toolbox");
	cr_expect_str_eq(ci->image, "registry.fedoraproject.org/fedora:39");
	cr_expect_str_eq(ci->image_tag, "39");
	cr_expect_eq(ci->privileged, 1);
	cr_expect_null(ci->labels);
	container_cache_free(cc);
}

Test(container, unknown_or_broken_state_leaves_fields_unknown)
{
	struct container_cache *cc = fixture_cache();
	const struct container_info *ci = lookup(cc, "0::/docker/" ID_B "\n");

	cr_expect_eq(ci->type, CT_DOCKER);
	cr_expect_str_eq(ci->id, "7951fb549ab9");
	cr_expect_str_eq(ci->full_id, ID_B);
	cr_expect_null(ci->name);
	cr_expect_null(ci->image);
	cr_expect_null(ci->image_repository);
	cr_expect_eq(ci->privileged, -1);
	ci = lookup(cc, "0::/docker/" ID_BAD "\n");
	cr_expect_eq(ci->type, CT_DOCKER);
	cr_expect_null(ci->name);
	/* the pod uid still comes from the cgroup when no state says it */
	ci = lookup(cc, "0::/kubepods/besteffort/pod" POD_UID "/" ID_A "\n");
	cr_expect_eq(ci->type, CT_CONTAINERD);
	cr_expect_str_eq(ci->k8s_pod_uid, POD_UID);
	cr_expect_null(ci->k8s_pod_name);
	container_cache_free(cc);
}

Test(container, lxc_and_nspawn_are_named_by_their_cgroup)
{
	struct container_cache *cc = fixture_cache();
	const struct container_info *ci =
	    lookup(cc, "0::/lxc.payload.a-very-long-container-name\n");

	cr_expect_eq(ci->type, CT_LXC);
	cr_expect_str_eq(ci->id, "a-very-long-");
	cr_expect_str_eq(ci->full_id, "a-very-long-container-name");
	cr_expect_str_eq(ci->name, "a-very-long-container-name");
	ci = lookup(cc, "0::/machine.slice/machine-web1.scope\n");
	cr_expect_eq(ci->type, CT_NSPAWN);
	cr_expect_str_eq(ci->name, "web1");
	/* same name, other runtime: another container */
	cr_expect_neq(ci, lookup(cc, "0::/lxc/web1\n"));
	container_cache_free(cc);
}

Test(container, cached_by_path_and_by_container)
{
	struct container_cache *cc = fixture_cache();
	const struct container_info *a =
	    lookup(cc, "0::/system.slice/docker-" ID_DOCKER ".scope\n");
	const struct container_info *b =
	    lookup(cc, "0::/system.slice/docker-" ID_DOCKER ".scope\n");
	const struct container_info *c = lookup(cc, "4:memory:/docker/" ID_DOCKER "\n");

	cr_expect_eq(a, b);
	cr_expect_eq(a, c);
	cr_expect_eq(lookup(cc, "0::/init.scope\n"), &container_host);
	cr_expect_eq(lookup(cc, "0::/init.scope\n"), &container_host);
	cr_expect_eq(lookup(cc, ""), &container_host);
	container_cache_free(cc);
}

/* ---- temp trees ---- */

Test(container, state_read_once_and_retried_while_missing)
{
	char dir[] = "/tmp/kestrel-ctr-XXXXXX", cdir[2048], file[4096];
	struct container_roots roots = {0};
	const struct container_info *ci;
	struct container_cache *cc;

	cr_assert_not_null(mkdtemp(dir));
	roots.docker = dir;
	roots.containerd = dir;
	roots.crio = dir;
	roots.podman = dir;
	cc = container_cache_new(&roots);
	cr_assert_not_null(cc);
	ci = lookup(cc, "0::/docker/" ID_A "\n");
	cr_expect_null(ci->name);
	/* the runtime writes its state a moment later */
	snprintf(cdir, sizeof(cdir), "%s/containers/%s", dir, ID_A);
	tu_mkdirs(cdir);
	snprintf(file, sizeof(file), "%s/config.v2.json", cdir);
	tu_write_file(file, "{\"Name\":\"/late\",\"Config\":{\"Image\":\"alpine:3.19\"}}");
	cr_expect_null(lookup(cc, "0::/docker/" ID_A "\n")->name, "probed again too soon");
	usleep(1100 * 1000);
	ci = lookup(cc, "0::/docker/" ID_A "\n");
	cr_expect_str_eq(ci->name, "late");
	cr_expect_str_eq(ci->image_tag, "3.19");
	container_cache_free(cc);
	tu_rmtree(dir);
}

/* A temp docker root with config.v2.json of ID_A saying name; returns the
 * cache over it. */
static struct container_cache *rename_cache(char *dir, char *file, size_t filelen)
{
	struct container_roots roots = {0};
	char cdir[2048];
	struct container_cache *cc;

	cr_assert_not_null(mkdtemp(dir));
	roots.docker = dir;
	roots.containerd = dir;
	roots.crio = dir;
	roots.podman = dir;
	snprintf(cdir, 2048, "%s/containers/%s", dir, ID_A);
	tu_mkdirs(cdir);
	snprintf(file, filelen, "%s/config.v2.json", cdir);
	tu_write_file(file, "{\"Name\":\"/old\",\"Config\":{\"Image\":\"alpine:3.19\"}}");
	cc = container_cache_new(&roots);
	cr_assert_not_null(cc);
	return cc;
}

/* docker rename rewrites config.v2.json (a new file renamed into place). */
static void docker_rewrite(const char *file, const char *json)
{
	char tmp[4200];

	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	tu_write_file(tmp, json);
	cr_assert_eq(rename(tmp, file), 0);
}

Test(container, renamed_container_read_again_at_most_once_a_second)
{
	char dir[] = "/tmp/kestrel-ctr-XXXXXX", file[4096];
	struct container_cache *cc = rename_cache(dir, file, sizeof(file));
	const struct container_info *ci = lookup(cc, "0::/docker/" ID_A "\n");

	cr_expect_str_eq(ci->name, "old");
	container_info_hold(ci);
	docker_rewrite(file, "{\"Name\":\"/new\",\"Config\":{\"Image\":\"alpine:3.20\"}}");
	/* within the second: not stat()ed again */
	cr_expect_str_eq(lookup(cc, "0::/docker/" ID_A "\n")->name, "old");
	container_cache_refresh(cc, ci);
	cr_expect_str_eq(ci->name, "old");
	usleep(1100 * 1000);
	/* the holder of ci (a process) sees it through refresh, same pointer */
	container_cache_refresh(cc, ci);
	cr_expect_str_eq(ci->name, "new");
	cr_expect_str_eq(ci->image_tag, "3.20");
	cr_expect_str_eq(ci->id, "3083b8d8c2b7");
	cr_expect_str_eq(ci->full_id, ID_A);
	cr_expect_eq(ci->type, CT_DOCKER);
	cr_expect_eq(lookup(cc, "4:memory:/docker/" ID_A "\n"), ci);
	/* unchanged file: nothing re-read, same strings */
	const char *name = ci->name;
	usleep(1100 * 1000);
	container_cache_refresh(cc, ci);
	cr_expect_eq(ci->name, name);
	container_info_release(ci);
	container_cache_free(cc);
	tu_rmtree(dir);
}

Test(container, removed_container_keeps_its_metadata)
{
	char dir[] = "/tmp/kestrel-ctr-XXXXXX", file[4096];
	struct container_cache *cc = rename_cache(dir, file, sizeof(file));
	const struct container_info *ci = lookup(cc, "0::/docker/" ID_A "\n");

	cr_expect_str_eq(ci->name, "old");
	tu_rmtree(dir); /* docker rm */
	usleep(1100 * 1000);
	ci = lookup(cc, "0::/system.slice/docker-" ID_A ".scope\n");
	cr_expect_str_eq(ci->name, "old");
	cr_expect_str_eq(ci->image, "alpine:3.19");
	container_cache_refresh(cc, ci);
	cr_expect_str_eq(ci->name, "old");
	container_cache_free(cc);
}

Test(container, broken_rewrite_keeps_the_metadata_read_before)
{
	char dir[] = "/tmp/kestrel-ctr-XXXXXX", file[4096];
	struct container_cache *cc = rename_cache(dir, file, sizeof(file));
	const struct container_info *ci = lookup(cc, "0::/docker/" ID_A "\n");

	docker_rewrite(file, "not json");
	usleep(1100 * 1000);
	container_cache_refresh(cc, ci);
	cr_expect_str_eq(ci->name, "old");
	container_cache_refresh(cc, &container_host);
	container_cache_refresh(NULL, ci);
	container_cache_free(cc);
	tu_rmtree(dir);
}

Test(container, ignores_symlinked_state_files)
{
	char dir[] = "/tmp/kestrel-ctr-XXXXXX", cdir[2048], file[4096], target[4096];
	struct container_roots roots = {0};
	struct container_cache *cc;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(cdir, sizeof(cdir), "%s/containers/%s", dir, ID_A);
	tu_mkdirs(cdir);
	snprintf(target, sizeof(target), "%s/elsewhere.json", dir);
	tu_write_file(target, "{\"Name\":\"/planted\"}");
	snprintf(file, sizeof(file), "%s/config.v2.json", cdir);
	cr_assert_eq(symlink(target, file), 0);
	roots.docker = dir;
	roots.containerd = dir;
	roots.crio = dir;
	roots.podman = dir;
	cc = container_cache_new(&roots);
	cr_assert_not_null(cc);
	cr_expect_null(lookup(cc, "0::/docker/" ID_A "\n")->name);
	container_cache_free(cc);
	tu_rmtree(dir);
}

Test(container, lookup_pid_reads_procroot_cgroup)
{
	char dir[] = "/tmp/kestrel-proc-XXXXXX", pdir[2048], file[4096];
	struct container_cache *cc = fixture_cache();
	const struct container_info *ci;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(pdir, sizeof(pdir), "%s/4242", dir);
	tu_mkdirs(pdir);
	snprintf(file, sizeof(file), "%s/cgroup", pdir);
	tu_write_file(file, hybrid_docker);
	snprintf(pdir, sizeof(pdir), "%s/1", dir);
	tu_mkdirs(pdir);
	snprintf(file, sizeof(file), "%s/cgroup", pdir);
	tu_write_file(file, hosts[0]);
	ci = container_cache_lookup_pid(cc, dir, 4242);
	cr_assert_not_null(ci);
	cr_expect_eq(ci->type, CT_DOCKER);
	cr_expect_str_eq(ci->full_id, ID_A);
	cr_expect_eq(container_cache_lookup_pid(cc, dir, 1), &container_host);
	cr_expect_null(container_cache_lookup_pid(cc, dir, 999999));
	container_cache_free(cc);
	tu_rmtree(dir);
}

Test(container, lookup_pid_on_this_machine_is_host)
{
	struct container_cache *cc = container_cache_new(NULL);
	const struct container_info *ci;

	cr_assert_not_null(cc);
	ci = container_cache_lookup_pid(cc, "/proc", (int64_t)getpid());
	cr_assert_not_null(ci);
	if (ci != &container_host)
		cr_skip_test("the test itself runs in a %s container",
		             container_type_name(ci->type));
	cr_expect_str_eq(ci->id, "host");
	container_cache_free(cc);
}

/* ---- a bounded cache (issue 17 item 5) ---- */

static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/* 400,000 made-up container ids (what a user who can create cgroups can
 * produce): the cache stays at its bound, evictions counted, and a
 * container a process holds survives the flood. */
Test(container, flood_of_fake_ids_stays_bounded, .timeout = 120)
{
	struct container_cache *cc = fixture_cache();
	struct container_cache_stats st;
	const struct container_info *held, *ci;
	char text[128];
	size_t before, i;

	held = lookup(cc, "0::/docker/" ID_DOCKER "\n");
	cr_assert_str_eq(held->name, "web1");
	container_info_hold(held);
	before = heap_in_use();
	for (i = 0; i < 400000; i++) {
		snprintf(text, sizeof(text), "0::/lxc.payload.fake%zu\n", i);
		ci = lookup(cc, text);
		cr_assert_eq(ci->type, CT_LXC);
	}
	container_cache_get_stats(cc, &st);
	cr_expect_leq(st.containers, 4096);
	cr_expect_geq(st.evictions, 400000 - 4096);
	/* 4,096 containers and their paths: a few MB at most, not 100+ MB */
	cr_expect_lt(heap_in_use() - before, 8u << 20, "grew %zu bytes", heap_in_use() - before);
	/* the held container is the same object, intact */
	cr_expect_str_eq(held->name, "web1");
	cr_expect_eq(lookup(cc, "0::/docker/" ID_DOCKER "\n"), held);
	container_info_release(held);
	/* a recently used container outlives older unused ones */
	ci = lookup(cc, "0::/lxc.payload.fake399999\n");
	cr_expect_str_eq(ci->name, "fake399999");
	container_cache_free(cc);
}

/* docker-shaped made-up ids probe the (empty) state each: still bounded */
Test(container, flood_of_fake_docker_ids_stays_bounded, .timeout = 120)
{
	struct container_roots roots = {"/nonexistent-kestrel", "/nonexistent-kestrel",
	                                "/nonexistent-kestrel", "/nonexistent-kestrel"};
	struct container_cache *cc = container_cache_new(&roots);
	struct container_cache_stats st;
	char text[160];
	size_t i;

	cr_assert_not_null(cc);
	for (i = 0; i < 20000; i++) {
		snprintf(text, sizeof(text), "0::/system.slice/docker-%064zx.scope\n", i);
		cr_assert_eq(container_cache_lookup_cgroup(cc, text, strlen(text))->type,
		             CT_DOCKER);
	}
	container_cache_get_stats(cc, &st);
	cr_expect_leq(st.containers, 4096);
	cr_expect_eq(st.evictions, 20000 - 4096);
	container_cache_free(cc);
}

/* Runtime state files a container's owner may influence (issue 17 item 1):
 * a FIFO as config.v2.json is refused without waiting for a writer, and a
 * state file over the 4 MiB bound is not read. */
Test(container, fifo_or_huge_state_file_never_blocks, .timeout = 10)
{
	char dir[] = "/tmp/kestrel-ctr-XXXXXX", cdir[2048], file[4096];
	struct container_roots roots = {0};
	struct container_cache *cc;
	const struct container_info *ci;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(cdir, sizeof(cdir), "%s/containers/%s", dir, ID_A);
	tu_mkdirs(cdir);
	snprintf(file, sizeof(file), "%s/config.v2.json", cdir);
	cr_assert_eq(mkfifo(file, 0600), 0);
	snprintf(cdir, sizeof(cdir), "%s/containers/%s", dir, ID_B);
	tu_mkdirs(cdir);
	snprintf(file, sizeof(file), "%s/config.v2.json", cdir);
	f = fopen(file, "w");
	cr_assert_not_null(f);
	fputs("{\"Name\":\"/huge\",\"Pad\":\"", f);
	for (long i = 0; i < (5l << 20); i++)
		fputc('x', f);
	fputs("\"}", f);
	fclose(f);
	roots.docker = roots.containerd = roots.crio = roots.podman = dir;
	cc = container_cache_new(&roots);
	cr_assert_not_null(cc);
	ci = lookup(cc, "0::/docker/" ID_A "\n");
	cr_expect_eq(ci->type, CT_DOCKER);
	cr_expect_null(ci->name);
	ci = lookup(cc, "0::/docker/" ID_B "\n");
	cr_expect_null(ci->name, "a state file over the bound is not read");
	container_cache_free(cc);
	tu_rmtree(dir);
}

/* A full id from a root runtime's arguments (runc exec, docker's shim):
 * the same entry as its cgroup, kept after docker rm; nothing else taken. */
Test(container, lookup_by_full_id_shares_the_cgroup_entry)
{
	char dir[] = "/tmp/kestrel-ctr-XXXXXX", file[4096];
	struct container_cache *cc = rename_cache(dir, file, sizeof(file));
	const struct container_info *ci = lookup(cc, "0::/docker/" ID_A "\n");

	cr_expect_eq(container_cache_lookup_id(cc, ID_A, CT_DOCKER), ci);
	tu_rmtree(dir);
	cr_expect_eq(container_cache_lookup_id(cc, ID_A, CT_CONTAINERD), ci);
	cr_expect_str_eq(ci->name, "old");
	/* an id never seen, state gone: the id at least, fields unknown */
	ci = container_cache_lookup_id(cc, ID_B, CT_DOCKER);
	cr_assert_not_null(ci);
	cr_expect_str_eq(ci->full_id, ID_B);
	cr_expect_eq(ci->type, CT_DOCKER);
	cr_expect_null(ci->name);
	cr_expect_null(container_cache_lookup_id(cc, "0123", CT_DOCKER));
	cr_expect_null(container_cache_lookup_id(cc, NULL, CT_DOCKER));
	cr_expect_null(container_cache_lookup_id(cc, ID_A, CT_LXC));
	cr_expect_null(container_cache_lookup_id(
	    cc, "3083B8D8C2B7AD0E1BC4B0E2A0D8F4CFB6E5F0E4DCA0A0A1B2C3D4E5F6A7B8C9", CT_DOCKER));
	cr_expect_null(container_cache_lookup_id(
	    cc, "../../../../../../../../../../../../../../../../etc/passwd/xxxxxxxxxx",
	    CT_DOCKER));
	container_cache_free(cc);
}
