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
