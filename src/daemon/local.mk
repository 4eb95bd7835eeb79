# src/daemon: the pipeline wiring, replay source and (later) the event loop.
libkestrel_a_SOURCES += src/daemon/pipeline.c src/daemon/pipeline.h \
	src/daemon/replay.c src/daemon/replay.h \
	src/daemon/runtime.c src/daemon/runtime.h \
	src/daemon/daemon.c src/daemon/daemon.h \
	src/daemon/crashstate.c src/daemon/crashstate.h
