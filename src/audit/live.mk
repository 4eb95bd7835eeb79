# src/audit/live.mk: netlink sources and kernel rules (included by Makefile.am).
libkestrel_a_SOURCES += src/audit/netlink.c src/audit/netlink.h \
	src/audit/krules.c src/audit/krules.h

check_PROGRAMS += tests/unit/test_netlink tests/unit/test_krules
TESTS += tests/unit/test_netlink tests/unit/test_krules
tests_unit_test_netlink_SOURCES = tests/unit/test_netlink.c
tests_unit_test_netlink_LDADD = $(UNIT_LIBS)
tests_unit_test_krules_SOURCES = tests/unit/test_krules.c
tests_unit_test_krules_LDADD = $(UNIT_LIBS)

# Integration tests on the real kernel (root; they lock /tmp/kestrel-audit.lock
# and leave the audit state as they found it). Part of `make check`;
# `make check-integration-live` runs them alone.
check_PROGRAMS += tests/integration/live_probe
tests_integration_live_probe_SOURCES = tests/integration/live_probe.c
tests_integration_live_probe_LDADD = $(KESTREL_LIBS)

LIVE_INTEGRATION_TESTS = \
	tests/integration/test_live_unicast.sh \
	tests/integration/test_live_multicast.sh \
	tests/integration/test_live_restart.sh \
	tests/integration/test_live_audisp.sh
TESTS += $(LIVE_INTEGRATION_TESTS)
EXTRA_DIST += $(LIVE_INTEGRATION_TESTS) tests/integration/live_lib.sh \
	audit-rules/plugins.d/kestrel.conf

check-integration-live: tests/integration/live_probe
	@fail=0; for t in $(LIVE_INTEGRATION_TESTS); do \
		LIVE_PROBE=$(abs_top_builddir)/tests/integration/live_probe \
		   sh $(srcdir)/$$t; rc=$$?; \
		case $$rc in 0) echo "PASS: $$t";; 77) echo "SKIP: $$t";; \
		*) echo "FAIL: $$t"; fail=1;; esac; \
	done; exit $$fail
.PHONY: check-integration-live
