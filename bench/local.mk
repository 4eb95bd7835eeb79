# bench/: benchmark programs and scripts.

# Benchmark harness (bench/run is the entry point; bench/README.md says how
# to run it). `make bench` installs the peers, records the corpora if absent
# and prints the replay and exec-storm tables; `make bench BENCH_ARGS=--write`
# also updates bench/RESULTS.md.
BENCH_ARGS =
bench: kestrel$(EXEEXT)
	$(srcdir)/bench/run --kestrel $(abs_top_builddir)/kestrel $(BENCH_ARGS)
.PHONY: bench
EXTRA_DIST += bench/run bench/replay bench/live bench/README.md bench/RESULTS.md \
	bench/exec-rules.yaml bench/startup-memory bench/overhead \
	bench/overhead-exec-rules.yaml bench/RESULTS-overhead.md

# The harness checks itself on the shared fixtures (skips without them),
# and bench_engine its figures against callgrind (skips without valgrind).
TESTS += bench/test-replay.sh bench/test-engine.sh
EXTRA_DIST += bench/test-replay.sh bench/test-engine.sh

# The rule engine's per-event cost (bench/README.md).
noinst_PROGRAMS += bench/bench_engine
bench_bench_engine_LDADD = $(KESTREL_LIBS)
