# src/record: one record parsed in place, and records assembled into events.
libkestrel_a_SOURCES += src/record/record.c src/record/record.h \
	src/record/assemble.c src/record/assemble.h
