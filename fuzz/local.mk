# fuzz/: fuzz targets (libFuzzer with clang; replay drivers with gcc).
# `make` builds the gcc drivers, which run saved inputs through a target;
# fuzz/run-fuzzers builds the libFuzzer versions (clang, ASan+UBSan) outside
# the tree and fuzzes each target for a bounded time.
FUZZ_COMMON = fuzz/fuzz_common.c fuzz/fuzz_common.h
noinst_PROGRAMS += fuzz/fuzz_record fuzz/fuzz_condition fuzz/fuzz_rules \
	fuzz/fuzz_config fuzz/fuzz_cgroup
fuzz_fuzz_record_SOURCES = fuzz/fuzz_record.c $(FUZZ_COMMON)
fuzz_fuzz_record_LDADD = $(KESTREL_LIBS)
fuzz_fuzz_condition_SOURCES = fuzz/fuzz_condition.c $(FUZZ_COMMON)
fuzz_fuzz_condition_LDADD = $(KESTREL_LIBS)
fuzz_fuzz_rules_SOURCES = fuzz/fuzz_rules.c $(FUZZ_COMMON)
fuzz_fuzz_rules_LDADD = $(KESTREL_LIBS)
fuzz_fuzz_config_SOURCES = fuzz/fuzz_config.c $(FUZZ_COMMON)
fuzz_fuzz_config_LDADD = $(KESTREL_LIBS)
fuzz_fuzz_cgroup_SOURCES = fuzz/fuzz_cgroup.c
fuzz_fuzz_cgroup_LDADD = $(KESTREL_LIBS)

# Replays the seed corpora and every saved crasher (tests/fuzz-regress/)
# through the gcc drivers: a crasher that crashes again fails the suite.
TESTS += fuzz/regress.sh
dist_noinst_SCRIPTS += fuzz/run-fuzzers fuzz/regress.sh
EXTRA_DIST += fuzz/corpus tests/fuzz-regress
# tools/valgrind-check (memcheck over the unit tests and a replay) and
# tools/soak-replay (RSS of replay in a loop) are run by hand and by CI.
dist_noinst_SCRIPTS += tools/valgrind-check tools/soak-replay
EXTRA_DIST += tools/valgrind-check.supp tools/lsan.supp
