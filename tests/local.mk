# tests/: every test of `make check`, one line each.
#
# Unit tests (Criterion; no root, no kernel): tests/unit/test_<name>.c is
# built from that file alone and linked with $(UNIT_LIBS) — add one line to
# UNIT_TESTS. `make check-unit` runs them alone: the safe quick loop.
#
# Integration tests (tests/integration/*.sh; root and the real kernel): add
# one line to INTEGRATION_TESTS. They lock /tmp/kestrel-audit.lock, restore
# the kernel's audit state as they found it, and exit 77 (SKIP) when root,
# the kernel audit subsystem or a tool they need is missing.
# `make check-integration` runs them alone.
LDADD = $(UNIT_LIBS)

UNIT_TESTS =
UNIT_TESTS += tests/unit/test_record
UNIT_TESTS += tests/unit/test_assemble
UNIT_TESTS += tests/unit/test_netlink
UNIT_TESTS += tests/unit/test_krules
UNIT_TESTS += tests/unit/test_kcheck
UNIT_TESTS += tests/unit/test_proctable
UNIT_TESTS += tests/unit/test_procfs
UNIT_TESTS += tests/unit/test_runtime_scan
UNIT_TESTS += tests/unit/test_container
UNIT_TESTS += tests/unit/test_users
UNIT_TESTS += tests/unit/test_engine
UNIT_TESTS += tests/unit/test_engine_loader
UNIT_TESTS += tests/unit/test_engine_upstream
UNIT_TESTS += tests/unit/test_engine_proc
UNIT_TESTS += tests/unit/test_fields_cache
UNIT_TESTS += tests/unit/test_fields_lookup
UNIT_TESTS += tests/unit/test_resolver
UNIT_TESTS += tests/unit/test_rule_stats
UNIT_TESTS += tests/unit/test_default_rules
UNIT_TESTS += tests/unit/test_output
UNIT_TESTS += tests/unit/test_output_http
UNIT_TESTS += tests/unit/test_output_syslog
UNIT_TESTS += tests/unit/test_config
UNIT_TESTS += tests/unit/test_service
UNIT_TESTS += tests/unit/test_privs
UNIT_TESTS += tests/unit/test_fdtable
UNIT_TESTS += tests/unit/test_stateful
UNIT_TESTS += tests/unit/test_metrics
UNIT_TESTS += tests/unit/test_integrity
UNIT_TESTS += tests/unit/test_conformance
UNIT_TESTS += tests/unit/test_replay_golden
UNIT_TESTS += tests/unit/test_kcheck_journal
UNIT_TESTS += tests/unit/test_evt_time
UNIT_TESTS += tests/unit/test_evt_mode
UNIT_TESTS += tests/unit/test_normalize
UNIT_TESTS += tests/unit/test_normalize_fast
UNIT_TESTS += tests/unit/test_util
UNIT_TESTS += tests/unit/test_yamldepth
UNIT_TESTS += tests/unit/test_yamlitems
UNIT_TESTS += tests/unit/test_kfilter
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
EXTRA_DIST += tests/unit/engine_testutil.h
EXTRA_DIST += tests/unit/testutil.h

INTEGRATION_TESTS =
INTEGRATION_TESTS += tests/integration/test_live_unicast.sh
INTEGRATION_TESTS += tests/integration/test_live_multicast.sh
INTEGRATION_TESTS += tests/integration/test_live_restart.sh
INTEGRATION_TESTS += tests/integration/test_live_audisp.sh
INTEGRATION_TESTS += tests/integration/test_daemon.sh
INTEGRATION_TESTS += tests/integration/test_sigpipe.sh
INTEGRATION_TESTS += tests/integration/test_syslog_fault.sh
INTEGRATION_TESTS += tests/integration/test_rsyslog.sh
INTEGRATION_TESTS += tests/integration/test_container.sh
INTEGRATION_TESTS += tests/integration/test_seed.sh
INTEGRATION_TESTS += tests/integration/test_faults_load.sh
INTEGRATION_TESTS += tests/integration/test_faults_backpressure.sh
INTEGRATION_TESTS += tests/integration/test_faults_auditd.sh
INTEGRATION_TESTS += tests/integration/test_faults_rules_deleted.sh
INTEGRATION_TESTS += tests/integration/test_faults_outputs.sh
INTEGRATION_TESTS += tests/integration/test_faults_diskfull.sh
INTEGRATION_TESTS += tests/integration/test_faults_hostile.sh
INTEGRATION_TESTS += tests/integration/test_faults_rules_hostile.sh
INTEGRATION_TESTS += tests/integration/test_faults_privs.sh
INTEGRATION_TESTS += tests/integration/test_stateful_live.sh
INTEGRATION_TESTS += tests/integration/test_stateful_net.sh
INTEGRATION_TESTS += tests/integration/test_stateful_container.sh
INTEGRATION_TESTS += tests/integration/test_ctr.sh
INTEGRATION_TESTS += tests/integration/test_webserver.sh
INTEGRATION_TESTS += tests/integration/test_rule_stats.sh
INTEGRATION_TESTS += tests/integration/test_docker_seed.sh
INTEGRATION_TESTS += tests/integration/test_docker_context.sh
INTEGRATION_TESTS += tests/integration/test_docker_runtimes.sh
INTEGRATION_TESTS += tests/integration/test_auditd_after.sh
INTEGRATION_TESTS += tests/integration/test_integrity.sh
INTEGRATION_TESTS += tests/integration/test_service.sh
INTEGRATION_TESTS += tests/integration/test_hostile_user.sh
INTEGRATION_TESTS += tests/integration/test_kfilter_live.sh
INTEGRATION_TESTS += tests/integration/test_kcheck.sh
TESTS += $(INTEGRATION_TESTS)
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = bash
EXTRA_DIST += $(INTEGRATION_TESTS) tests/integration/lib.sh \
	tests/integration/ct_shell.py audit-rules/plugins.d/kestrel.conf

# Programs the integration tests drive.
check_PROGRAMS += tests/integration/live_probe tests/integration/emit_alert
tests_integration_live_probe_LDADD = $(KESTREL_LIBS)
tests_integration_emit_alert_LDADD = $(KESTREL_LIBS)

EXTRA_DIST += tests/fixtures

check-unit:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS="$(UNIT_TESTS)"
check-integration:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS="$(INTEGRATION_TESTS)"
.PHONY: check-unit check-integration
