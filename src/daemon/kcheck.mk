# src/daemon/kcheck.mk: kernel and environment detection (included by Makefile.am),
# its unit test, the man pages and the systemd unit.
libkestrel_a_SOURCES += src/daemon/kcheck.c src/daemon/kcheck.h

check_PROGRAMS += tests/unit/test_kcheck
TESTS += tests/unit/test_kcheck
tests_unit_test_kcheck_SOURCES = tests/unit/test_kcheck.c
tests_unit_test_kcheck_LDADD = $(UNIT_LIBS)

dist_man_MANS = man/kestrel.8 man/kestrel.yaml.5 man/kestrel-rules.5

EXTRA_DIST += init/kestrel.service tests/fixtures/kcheck
