# src/util: shared helpers with no knowledge of the pipeline.
libkestrel_a_SOURCES += src/util/log.c src/util/log.h \
	src/util/arena.c src/util/arena.h \
	src/util/hugeheap.c src/util/hugeheap.h \
	src/util/utf8.c src/util/utf8.h src/util/hex.h \
	src/util/yamldepth.c src/util/yamldepth.h \
	src/util/buf.c src/util/buf.h \
	src/util/clock.c src/util/clock.h \
	src/util/file.c src/util/file.h \
	src/util/priority.c src/util/priority.h \
	src/util/timefmt.c src/util/timefmt.h \
	src/util/yamlutil.c src/util/yamlutil.h
