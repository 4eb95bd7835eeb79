# src/audit: record parser and assembler (sources: src/audit/live.mk).
libkestrel_a_SOURCES += src/audit/record.c src/audit/record.h \
	src/audit/assemble.c src/audit/assemble.h

check_PROGRAMS += tests/unit/test_record tests/unit/test_assemble
TESTS += tests/unit/test_record tests/unit/test_assemble
tests_unit_test_record_SOURCES = tests/unit/test_record.c
tests_unit_test_record_LDADD = $(UNIT_LIBS)
tests_unit_test_assemble_SOURCES = tests/unit/test_assemble.c
tests_unit_test_assemble_LDADD = $(UNIT_LIBS)
