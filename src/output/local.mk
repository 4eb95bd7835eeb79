# src/output: build fragment (included by Makefile.am).
libkestrel_a_SOURCES += \
	src/output/outbuf.c src/output/outbuf.h \
	src/output/escape.c src/output/escape.h \
	src/output/format.c src/output/format.h \
	src/output/ratelimit.c src/output/ratelimit.h \
	src/output/output.c src/output/output.h src/output/output_int.h \
	src/output/sink_syslog.c src/output/sink_journal.c \
	src/output/sink_stream.c src/output/sink_http.c

check_PROGRAMS += tests/unit/test_output
TESTS += tests/unit/test_output
tests_unit_test_output_SOURCES = tests/unit/test_output.c
tests_unit_test_output_LDADD = $(UNIT_LIBS)

check_PROGRAMS += tests/unit/test_output_http
TESTS += tests/unit/test_output_http
tests_unit_test_output_http_SOURCES = tests/unit/test_output_http.c
tests_unit_test_output_http_LDADD = $(UNIT_LIBS)

check_PROGRAMS += tests/unit/test_output_syslog
TESTS += tests/unit/test_output_syslog
tests_unit_test_output_syslog_SOURCES = tests/unit/test_output_syslog.c
tests_unit_test_output_syslog_LDADD = $(UNIT_LIBS)

# Integration: a driver that sends alerts through the outputs, and a real
# rsyslogd (local + a second one on 127.0.0.1 as collector, RFC 5424 over
# TCP). Needs root; run with `make check-integration-outputs`.
check_PROGRAMS += tests/integration/emit_alert
tests_integration_emit_alert_SOURCES = tests/integration/emit_alert.c
tests_integration_emit_alert_LDADD = $(KESTREL_LIBS)
TESTS += tests/integration/test_rsyslog.sh
EXTRA_DIST += tests/integration/test_rsyslog.sh

check-integration-outputs: tests/integration/emit_alert$(EXEEXT)
	KESTREL_BUILDDIR='$(abs_top_builddir)' KESTREL_SRCDIR='$(abs_top_srcdir)' \
		$(SHELL) $(srcdir)/tests/integration/test_rsyslog.sh
.PHONY: check-integration-outputs
