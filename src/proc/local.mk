# src/proc: build fragment (included by Makefile.am).
# The process table and its /proc readers.
libkestrel_a_SOURCES += src/proc/proc.h src/proc/proctable.c src/proc/proctable_ext.h \
	src/proc/procfs.c src/proc/procfs.h

check_PROGRAMS += tests/unit/test_proctable
TESTS += tests/unit/test_proctable
tests_unit_test_proctable_SOURCES = tests/unit/test_proctable.c
tests_unit_test_proctable_LDADD = $(UNIT_LIBS)
