# tests/integration/seed.mk: fragment included by Makefile.am — the seed
# experiment (issue 7 part 4) and the hand-made container test (issue 5).
# Both need root and the kernel audit subsystem (exit 77 = skipped
# otherwise); test_seed.sh also runs a private rsyslogd on /dev/log.
TESTS += tests/integration/test_container.sh tests/integration/test_seed.sh
EXTRA_DIST += tests/integration/test_container.sh tests/integration/test_seed.sh \
	tests/integration/container_lib.sh tests/integration/ct_shell.py \
	tests/fixtures/rules/container_context.yaml

# Only these two: make check-seed
check-seed:
	$(MAKE) $(AM_MAKEFLAGS) check \
		TESTS="tests/integration/test_container.sh tests/integration/test_seed.sh"
.PHONY: check-seed
