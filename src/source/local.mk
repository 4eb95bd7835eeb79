# src/source: where records come from — the kernel's audit netlink socket
# (unicast or multicast), auditd's plugin stream, or a recorded log (replay).
libkestrel_a_SOURCES += src/source/netlink.c src/source/netlink.h \
	src/source/replay.c src/source/replay.h
