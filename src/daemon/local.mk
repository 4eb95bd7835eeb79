# src/daemon: the wiring — configuration, the record pipeline, the runtime
# that holds one run's stages, the live event loop, and privileges.
libkestrel_a_SOURCES += src/daemon/config.c src/daemon/kconfig.h \
	src/daemon/config_yaml.c src/daemon/kconfig_int.h \
	src/daemon/pipeline.c src/daemon/pipeline.h \
	src/daemon/runtime.c src/daemon/runtime.h \
	src/daemon/daemon.c src/daemon/daemon.h src/daemon/daemon_int.h \
	src/daemon/daemon_stats.c \
	src/daemon/privs.c src/daemon/privs.h \
	src/daemon/service.c src/daemon/service.h \
	src/daemon/integrity.c src/daemon/integrity.h \
	src/daemon/metrics.c src/daemon/metrics.h \
	src/daemon/webserver.c src/daemon/webserver.h
