# tests/: integration tests (real kernel, root; exit 77 = skipped) and the
# helpers they share. Unit tests are registered by each stage's fragment.
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = bash
TESTS += tests/integration/test_daemon.sh tests/integration/test_sigpipe.sh \
	tests/integration/test_syslog_fault.sh
EXTRA_DIST += tests/integration/lib.sh tests/integration/test_daemon.sh \
	tests/integration/test_sigpipe.sh tests/integration/test_syslog_fault.sh \
	tests/fixtures/rules/integration.yaml tests/fixtures/audit/sample.log
