# src/daemon/faults.mk: privilege dropping (privs.c) and the reliability
# tests of issue 10: load, faults, hostile input, privileges (included by
# Makefile.am). The integration tests run as root on the real kernel, lock
# /tmp/kestrel-audit.lock and restore the audit state; exit 77 = skipped.
libkestrel_a_SOURCES += src/daemon/privs.c src/daemon/privs.h

check_PROGRAMS += tests/unit/test_privs
TESTS += tests/unit/test_privs
tests_unit_test_privs_SOURCES = tests/unit/test_privs.c
tests_unit_test_privs_LDADD = $(UNIT_LIBS)

FAULTS_INTEGRATION_TESTS = \
	tests/integration/test_faults_load.sh \
	tests/integration/test_faults_backpressure.sh \
	tests/integration/test_faults_auditd.sh \
	tests/integration/test_faults_rules_deleted.sh \
	tests/integration/test_faults_outputs.sh \
	tests/integration/test_faults_diskfull.sh \
	tests/integration/test_faults_hostile.sh \
	tests/integration/test_faults_rules_hostile.sh \
	tests/integration/test_faults_privs.sh
TESTS += $(FAULTS_INTEGRATION_TESTS)
EXTRA_DIST += $(FAULTS_INTEGRATION_TESTS)

# `make check-faults`: these tests alone.
check-faults:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS="tests/unit/test_privs $(FAULTS_INTEGRATION_TESTS)"
.PHONY: check-faults
