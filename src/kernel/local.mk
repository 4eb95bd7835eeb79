# src/kernel: kernel audit control — the control socket (kaudit), kestrel's
# kernel rules and audit settings, crash recovery of those settings, and the
# environment check (kcheck: parsing, probing, report).
libkestrel_a_SOURCES += src/kernel/kaudit.c src/kernel/kaudit.h \
	src/kernel/krules_int.h src/kernel/kterm.c src/kernel/kpath.c \
	src/kernel/kns.c src/kernel/kns.h \
	src/kernel/krules.c src/kernel/krules.h \
	src/kernel/crashstate.c src/kernel/crashstate.h \
	src/kernel/kcheck.c src/kernel/kcheck_probe.c \
	src/kernel/kcheck_report.c src/kernel/kcheck_journal.c src/kernel/kcheck.h
