# src/engine: build fragment (included by Makefile.am).
# The Falco-compatible rule engine, by phase: loader (YAML → collection),
# lexer, parser, expansion (macros, lists, exceptions), code generation,
# evaluator, event-type index, fields by class, output templates, CLI.
libkestrel_a_SOURCES += \
	src/engine/alert.h \
	src/engine/ptrvec.c src/engine/arena.h \
	src/engine/cli.c src/engine/cli.h \
	src/engine/ccomp.h \
	src/engine/compile.c src/engine/compile_check.c \
	src/engine/diag.c \
	src/engine/engine.c src/engine/engine.h src/engine/engine_int.h \
	src/engine/eval.c \
	src/engine/evalproc.c \
	src/engine/evtidx.c \
	src/engine/expand.c \
	src/engine/fields.c src/engine/fields.h src/engine/fields_int.h \
	src/engine/fields_container.c \
	src/engine/fields_evt.c \
	src/engine/fields_falco.c \
	src/engine/fields_fd.c \
	src/engine/fields_proc.c \
	src/engine/fields_user.c \
	src/engine/format.c \
	src/engine/lex.c src/engine/lex.h \
	src/engine/loader.c src/engine/loader_int.h \
	src/engine/loader_rule.c \
	src/engine/parse.c src/engine/parse.h \
	src/engine/print.c \
	src/engine/resolver.c \
	src/engine/rulestats.c \
	src/engine/sets.c src/engine/sets.h \
	src/engine/xform.c
# Kernel audit filters compiled from the loaded rules (kfilter*.c).
libkestrel_a_SOURCES += src/engine/kfilter.c src/engine/kfilter.h src/engine/kfilter_int.h \
	src/engine/kfilter_check.c src/engine/kfilter_emit.c src/engine/kfilter_match.c
