# src/engine: build fragment (included by Makefile.am).
# The Falco-compatible rule engine: loader, condition lexer/parser/compiler,
# fields, output templates, CLI helpers.
libkestrel_a_SOURCES += \
	src/engine/alert.h \
	src/engine/ptrvec.c src/engine/arena.h \
	src/engine/cli.c src/engine/cli.h \
	src/engine/compile.c \
	src/engine/diag.c \
	src/engine/engine.c src/engine/engine.h src/engine/engine_int.h \
	src/engine/evalproc.c \
	src/engine/fields.c src/engine/fields.h \
	src/engine/format.c \
	src/engine/lex.c src/engine/lex.h \
	src/engine/loader.c \
	src/engine/parse.c src/engine/parse.h \
	src/engine/priority.c \
	src/engine/sets.c src/engine/sets.h

check_PROGRAMS += tests/unit/test_engine tests/unit/test_engine_loader \
	tests/unit/test_engine_upstream tests/unit/test_engine_proc
TESTS += tests/unit/test_engine tests/unit/test_engine_loader \
	tests/unit/test_engine_upstream tests/unit/test_engine_proc
tests_unit_test_engine_SOURCES = tests/unit/test_engine.c tests/unit/engine_testutil.h
tests_unit_test_engine_LDADD = $(UNIT_LIBS)
tests_unit_test_engine_loader_SOURCES = tests/unit/test_engine_loader.c \
	tests/unit/engine_testutil.h
tests_unit_test_engine_loader_LDADD = $(UNIT_LIBS)
tests_unit_test_engine_upstream_SOURCES = tests/unit/test_engine_upstream.c \
	tests/unit/engine_testutil.h
tests_unit_test_engine_upstream_LDADD = $(UNIT_LIBS)
tests_unit_test_engine_proc_SOURCES = tests/unit/test_engine_proc.c tests/unit/engine_testutil.h
tests_unit_test_engine_proc_LDADD = $(UNIT_LIBS)

EXTRA_DIST += tests/fixtures/rules

noinst_PROGRAMS += bench/bench_engine
bench_bench_engine_SOURCES = bench/bench_engine.c
bench_bench_engine_LDADD = $(KESTREL_LIBS)
