# src/output: build fragment (included by Makefile.am).
libkestrel_a_SOURCES += \
	src/output/escape.c src/output/escape.h \
	src/output/format.c src/output/format.h \
	src/output/ratelimit.c src/output/ratelimit.h \
	src/output/output.c src/output/output.h src/output/output_int.h \
	src/output/sink_syslog.c src/output/sink_journal.c \
	src/output/sink_stream.c src/output/sink_program.c src/output/sink_http.c

