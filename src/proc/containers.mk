# src/proc/containers.mk: container, k8s and user context (included by Makefile.am).
libkestrel_a_SOURCES += src/proc/cgroup.c src/proc/cgroup.h \
	src/proc/container.c src/proc/container.h \
	src/proc/container_state.c src/proc/container_state.h \
	src/proc/users.c src/proc/users.h

check_PROGRAMS += tests/unit/test_container tests/unit/test_users
TESTS += tests/unit/test_container tests/unit/test_users
tests_unit_test_container_SOURCES = tests/unit/test_container.c
tests_unit_test_container_LDADD = $(UNIT_LIBS)
tests_unit_test_users_SOURCES = tests/unit/test_users.c
tests_unit_test_users_LDADD = $(UNIT_LIBS)

# Fuzz target for the cgroup and state-file parsers: built here with gcc as a
# driver over files named on the command line; with clang and libFuzzer:
#   clang -DKESTREL_LIBFUZZER -fsanitize=fuzzer,address ... fuzz/fuzz_cgroup.c
noinst_PROGRAMS += fuzz/fuzz_cgroup
fuzz_fuzz_cgroup_SOURCES = fuzz/fuzz_cgroup.c
fuzz_fuzz_cgroup_LDADD = $(KESTREL_LIBS)

EXTRA_DIST += tests/fixtures/containers
