# src/util: shared helpers with no knowledge of the pipeline.
libkestrel_a_SOURCES += src/util/log.c src/util/log.h \
	src/util/arena.c src/util/arena.h \
	src/util/utf8.c src/util/utf8.h src/util/hex.h \
	src/util/yamldepth.c src/util/yamldepth.h
