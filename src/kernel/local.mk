# src/kernel: kernel audit control — kestrel's kernel rules and audit
# settings, crash recovery of those settings, and the environment check.
libkestrel_a_SOURCES += src/kernel/krules.c src/kernel/krules.h \
	src/kernel/crashstate.c src/kernel/crashstate.h \
	src/kernel/kcheck.c src/kernel/kcheck.h
