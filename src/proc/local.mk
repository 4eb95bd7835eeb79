# src/proc: process, container and user context — the process table and its
# /proc readers, cgroup matchers, container runtime state, user names.
libkestrel_a_SOURCES += src/proc/proc.h src/proc/proctable.c src/proc/proctable_ext.h \
	src/proc/fdtable.c src/proc/fdtable.h src/proc/overlay.c src/proc/overlay.h \
	src/proc/proctable_int.h src/proc/proctable_ctx.c src/proc/proctable_expire.c \
	src/proc/procfs.c src/proc/procfs.h \
	src/proc/cgroup.c src/proc/cgroup.h \
	src/proc/container.c src/proc/container.h \
	src/proc/container_state.c src/proc/container_state.h \
	src/proc/users.c src/proc/users.h
