# src/daemon/config.mk: kestrel.yaml loader (included by Makefile.am).
libkestrel_a_SOURCES += src/daemon/config.c src/daemon/kconfig.h
EXTRA_DIST += etc/kestrel.yaml

check_PROGRAMS += tests/unit/test_config
TESTS += tests/unit/test_config
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_LDADD = $(UNIT_LIBS)
