# src/daemon: the wiring — configuration, the record pipeline, the runtime
# that holds one run's stages, the live event loop, and privileges.
libkestrel_a_SOURCES += src/daemon/config.c src/daemon/kconfig.h \
	src/daemon/pipeline.c src/daemon/pipeline.h \
	src/daemon/runtime.c src/daemon/runtime.h \
	src/daemon/daemon.c src/daemon/daemon.h \
	src/daemon/privs.c src/daemon/privs.h
